"""Everything a diagnosis needs to know about the attempt besides the error itself."""

from __future__ import annotations

from dataclasses import dataclass

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.i18n import tr
from clustertrust.core.source.netproxy import Proxy
from clustertrust.core.target import Target
from clustertrust.core.verify.result import TRUST_MODE_NAMES, TrustMode
from cryptography import x509
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Situation:
    target: Target
    trust: TrustMode
    bundle: Bundle
    timeout: float
    proxy: Proxy | None = None
    cert_requested: bool | None = None  # the server sent a CertificateRequest (None: unknown)

    @property
    def where(self) -> str:
        return f"{self.target.host}:{self.target.port}"

    @property
    def trust_name(self) -> str:
        return tr(TRUST_MODE_NAMES[self.trust])

    @property
    def presented_cert(self) -> bool:
        return self.bundle.client_cert is not None and self.bundle.private_key is not None

    @property
    def client_name(self) -> str:
        cert = self.bundle.client_cert
        return certinfo.common_name(cert.subject) if cert else tr("(none)")

    @property
    def proxy_name(self) -> str:
        return f"{self.proxy.host}:{self.proxy.port}" if self.proxy else ""


def parse_chain(chain_der: list[bytes]) -> list[x509.Certificate]:
    certs = []
    for der in chain_der:
        try:
            certs.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue  # a certificate we cannot parse cannot be summarised either
    return certs


def issued_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    """True if `ca`'s key really signed `cert` (a name match alone proves nothing)."""
    return certinfo.sha256(cert) == certinfo.sha256(ca) or certinfo.signed_by(cert, ca)


def chain_reaches(chain: list[x509.Certificate], cas: tuple[x509.Certificate, ...]) -> bool:
    return any(issued_by(cert, ca) for cert in chain for ca in cas)


def missing_intermediate(
    chain: list[x509.Certificate],
    cas: tuple[x509.Certificate, ...],
    client: x509.Certificate | None,
) -> bool:
    """The server's chain stops at a CA certificate it did not send (no self-signed top, and
    none of our CAs signed it), and that CA belongs to this cluster by its name or because it
    also issued the client certificate: an intermediate left out, not another cluster's CA."""
    if not chain or not cas or is_self_signed(chain[-1]) or chain_reaches(chain, cas):
        return False
    issuer = chain[-1].issuer
    if any(ca.subject == issuer for ca in cas):  # our CA's name, another key: a rotated CA
        return False
    if client is not None and client.issuer == issuer:
        return True
    return any(_same_cluster(issuer, ca.subject) for ca in cas)


def is_self_signed(cert: x509.Certificate) -> bool:
    return certinfo.is_self_issued(cert) and certinfo.signed_by(cert, cert)


def _same_cluster(issuer: x509.Name, ca: x509.Name) -> bool:
    org = _attribute(ca, NameOID.ORGANIZATION_NAME)
    if org and org == _attribute(issuer, NameOID.ORGANIZATION_NAME):
        return True
    ours = certinfo.common_name(ca)
    cluster = ours[:-3] if ours.endswith("-ca") else ""  # Kurrent: `<clusterid>-ca`
    return bool(cluster) and certinfo.common_name(issuer).startswith(f"{cluster}-")


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def chain_ca_name(chain: list[x509.Certificate]) -> str:
    """The CA the server's chain goes to: the issuer of its topmost certificate."""
    if not chain:
        return tr("an unknown CA")
    return certinfo.common_name(chain[-1].issuer)
