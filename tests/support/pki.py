"""Real certificates and bundles for tests, made with `cryptography` in every shape we read."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KURRENT_PASSWORD = b"kurrent"
NOW = dt.datetime.now(dt.UTC)


def new_key(kind: str = "rsa") -> PrivateKeyTypes:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind in ("ed25519", "ed448"):
        return (
            ed25519.Ed25519PrivateKey if kind == "ed25519" else ed448.Ed448PrivateKey
        ).generate()
    curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}[kind]
    return ec.generate_private_key(curve)


def _digest(
    key: PrivateKeyTypes, wanted: hashes.HashAlgorithm | None
) -> hashes.HashAlgorithm | None:
    """Ed25519 and Ed448 sign without a separate digest."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return None
    return wanted or hashes.SHA256()


@dataclass
class Issued:
    cert: x509.Certificate
    key: PrivateKeyTypes = field(repr=False)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_pem(self, password: bytes | None = None, traditional: bool = False) -> bytes:
        fmt = (
            serialization.PrivateFormat.TraditionalOpenSSL
            if traditional
            else serialization.PrivateFormat.PKCS8
        )
        enc = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(serialization.Encoding.PEM, fmt, enc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(
    cn: str = "demo-cluster-ca",
    key_kind: str = "rsa",
    *,
    days: int = 90,
    not_before: dt.datetime | None = None,
    ca: bool = True,
    key_cert_sign: bool = True,
    permitted_dns: list[str] | None = None,
    hash_alg: hashes.HashAlgorithm | None = None,
) -> Issued:
    key = new_key(key_kind)
    start = not_before or NOW - dt.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, key_cert_sign, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)  # type: ignore[arg-type]
    )
    if permitted_dns:
        builder = builder.add_extension(
            x509.NameConstraints([x509.DNSName(d) for d in permitted_dns], None), critical=True
        )
    return Issued(builder.sign(key, _digest(key, hash_alg)), key)  # type: ignore[arg-type]


def make_leaf(
    issuer: Issued,
    cn: str,
    key_kind: str = "rsa",
    *,
    client: bool = True,
    server_names: list[str] | None = None,
    days: int = 90,
    not_before: dt.datetime | None = None,
    eku: list[x509.ObjectIdentifier] | None = None,
    hash_alg: hashes.HashAlgorithm | None = None,
) -> Issued:
    key = new_key(key_kind)
    start = not_before or NOW - dt.timedelta(days=1)
    usages = (
        eku
        if eku is not None
        else ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH])
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if server_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(_san(server_names)), critical=False
        )
    return Issued(builder.sign(issuer.key, _digest(issuer.key, hash_alg)), key)  # type: ignore[arg-type]


def make_intermediate(issuer: Issued, cn: str, key_kind: str = "rsa") -> Issued:
    """A CA certificate signed by `issuer` (CA:TRUE, keyCertSign)."""
    key = new_key(key_kind)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(issuer.key, _digest(issuer.key, None))  # type: ignore[arg-type]
    )
    return Issued(cert, key)


def _san(names: list[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def p12_bytes(
    client: Issued, cas: list[Issued], password: bytes = KURRENT_PASSWORD, legacy: bool = False
) -> bytes:
    if legacy:  # RC2/3DES with SHA-1 MAC: what older tools and macOS write
        enc = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password)
        )
    else:
        enc = serialization.BestAvailableEncryption(password)
    return pkcs12.serialize_key_and_certificates(
        b"client",
        client.key,
        client.cert,
        [c.cert for c in cas],
        enc,  # type: ignore[arg-type]
    )


@dataclass
class KurrentBundle:
    """The pieces of a Kurrent Cloud `certificate_bundle.tar.gz`."""

    ca: Issued
    client: Issued
    cluster_id: str = "d4f2example"

    def files(self) -> dict[str, bytes]:
        return {
            "ca.crt": self.ca.cert_pem,
            "tls.crt": self.client.cert_pem,
            "tls.key": self.client.key_pem(traditional=True),
            "bundle.p12": p12_bytes(self.client, [self.ca]),
        }


def kurrent_bundle(
    cluster_id: str = "d4f2example", key_kind: str = "rsa", **leaf: object
) -> KurrentBundle:
    ca = make_ca(f"{cluster_id}-ca", key_kind)
    client = make_leaf(ca, f"{cluster_id}-kurrentdb-client", key_kind, **leaf)  # type: ignore[arg-type]
    return KurrentBundle(ca, client, cluster_id)


def tar_bytes(files: dict[str, bytes], compression: str = "gz", folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder}{name}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes], folder: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}{name}", data)
    return buffer.getvalue()


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return folder
