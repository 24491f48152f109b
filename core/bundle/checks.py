"""Checks on a Bundle: findings with a severity and a stable code. Errors block an install."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.bundle.roles import LeftOut, LeftOutKind
from clustertrust.core.i18n import tr, tr_n
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

if TYPE_CHECKING:  # the domain model is loaded by the commands that plan, not by inspect
    from clustertrust.core.model import TrustStore

EXPIRY_WARNING_DAYS = 14
WEAK_HASHES = {"md5", "sha1"}


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Finding(NamedTuple):
    severity: Severity
    code: str
    message: str


def check_bundle(bundle: Bundle, at: dt.datetime | None = None) -> list[Finding]:
    at = at or certinfo.now()
    findings = [*_ca_findings(bundle), *_client_findings(bundle)]
    findings += [_left_out(item, bundle.client_cert is not None) for item in bundle.left_out]
    for label, cert in _labelled_certs(bundle):
        findings += _validity(label, cert, at)
        findings += _strength(label, cert)
    findings += [
        Finding(
            Severity.ERROR,
            "p12_pem_mismatch",
            tr("The bundle disagrees with itself: {conflict}. Download a fresh bundle.").format(
                conflict=c
            ),
        )
        for c in bundle.conflicts
    ]
    return sorted(findings, key=lambda f: list(Severity).index(f.severity))


def store_refusals(bundle: Bundle, stores: Sequence[TrustStore]) -> dict[str, str]:
    """Why each of `stores` that cannot hold this bundle's keys (model.refused_key_types)
    refuses it, by store name, naming those among `stores` that can: decided before any change,
    so no store is left half done by a tool's own refusal."""
    from clustertrust.core.model import refused_key_types

    certs = [*bundle.ca_certs, *([bundle.client_cert] if bundle.client_cert else [])]
    refusing = {}
    for store in stores:
        refused = refused_key_types(store)
        held = [cert for cert in certs if certinfo.key_algorithm(cert) in refused]
        if held:
            refusing[store.name] = held
    able = [tr(store.title) for store in stores if store.name not in refusing]
    return {name: _refusal(held, able) for name, held in refusing.items()}


def _refusal(held: list[x509.Certificate], able: list[str]) -> str:
    algorithms = tr(" or ").join(sorted({certinfo.key_algorithm(cert) for cert in held}))
    names = ", ".join(repr(certinfo.common_name(cert.subject)) for cert in held)
    if able:
        text = tr(
            "it cannot hold {algorithms} keys ({names}), so nothing goes there; these can: {able}."
        )
    else:
        text = tr(
            "it cannot hold {algorithms} keys ({names}), so nothing goes there; choose a store "
            "that can, such as the identity files (--stores files)."
        )
    return text.format(algorithms=algorithms, names=names, able=", ".join(able))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _labelled_certs(bundle: Bundle) -> Iterator[tuple[str, x509.Certificate]]:
    for cert in bundle.ca_certs:
        yield (
            tr("CA certificate {name}").format(name=repr(certinfo.common_name(cert.subject))),
            cert,
        )
    if bundle.client_cert:
        name = repr(certinfo.common_name(bundle.client_cert.subject))
        yield tr("client certificate {name}").format(name=name), bundle.client_cert


def _ca_findings(bundle: Bundle) -> Iterator[Finding]:
    if not bundle.ca_certs:
        # An identity alone (a Keychain or browser .p12 export) works once its CA is beside it.
        if bundle.client_cert:
            message = tr(
                "The bundle has no CA certificate to trust. Ask the cluster's administrator for "
                "the CA certificate (often ca.crt). Put it in one folder with the client's files "
                "and choose that folder."
            )
        else:
            message = tr(
                "The bundle has no CA certificate to trust. Ask the cluster's administrator for "
                "the CA certificate (often ca.crt)."
            )
        yield Finding(Severity.ERROR, "ca_missing", message)
    for cert in bundle.ca_certs:
        name = certinfo.common_name(cert.subject)
        usage = certinfo.extension(cert, ExtensionOID.KEY_USAGE)
        if not certinfo.is_ca(cert):
            yield Finding(
                Severity.ERROR,
                "ca_not_ca",
                tr(
                    "{name} is not a CA certificate (no basicConstraints CA:TRUE), so it must not "
                    "be trusted as one."
                ).format(name=repr(name)),
            )
        elif isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
            yield Finding(
                Severity.ERROR,
                "ca_not_ca",
                tr(
                    "{name} may not sign certificates (its keyUsage lacks keyCertSign), so it "
                    "must not be trusted as a CA."
                ).format(name=repr(name)),
            )
        elif certinfo.extension(cert, ExtensionOID.NAME_CONSTRAINTS) is None:
            # Nearly every private CA is unconstrained and nothing can be done about it: a note.
            yield Finding(
                Severity.INFO,
                "ca_unconstrained",
                tr(
                    "{name} has no name constraints: once trusted it could vouch for any web "
                    "site. Trust it only if you trust the cluster's operator."
                ).format(name=repr(name)),
            )


def _client_findings(bundle: Bundle) -> Iterator[Finding]:
    client, key = bundle.client_cert, bundle.private_key
    if client is None:
        if key is not None:
            yield Finding(
                Severity.ERROR,
                "key_without_cert",
                tr("The bundle has a private key but no client certificate for it."),
            )
        return
    name = certinfo.common_name(client.subject)
    if key is None:
        yield Finding(
            Severity.WARNING,
            "client_key_missing",
            tr(
                "The client certificate {name} has no private key in the bundle, so it cannot be "
                "used to log in."
            ).format(name=repr(name)),
        )
    elif not certinfo.key_matches(client, key):
        yield Finding(
            Severity.ERROR,
            "key_mismatch",
            tr(
                "The private key does not belong to the client certificate {name}. Download the "
                "bundle again."
            ).format(name=repr(name)),
        )
    yield from _issued_by_bundle_ca(bundle, client, name)
    yield from _client_auth(client, name)


def _issued_by_bundle_ca(bundle: Bundle, client: x509.Certificate, name: str) -> Iterator[Finding]:
    if not bundle.ca_certs or any(certinfo.signed_by(client, ca) for ca in bundle.ca_certs):
        return
    yield Finding(
        Severity.ERROR,
        "client_not_issued_by_ca",
        tr(
            "The client certificate {name} was not signed by the bundle's CA; the cluster will "
            "reject it. Download a bundle where both come from the same cluster."
        ).format(name=repr(name)),
    )


def _client_auth(client: x509.Certificate, name: str) -> Iterator[Finding]:
    eku = certinfo.extension(client, ExtensionOID.EXTENDED_KEY_USAGE)
    if eku is None:
        yield Finding(
            Severity.INFO,
            "client_eku_absent",
            tr(
                "The client certificate {name} names no extended key usage; servers usually "
                "accept that for clients."
            ).format(name=repr(name)),
        )
    elif isinstance(eku, x509.ExtendedKeyUsage) and ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        yield Finding(
            Severity.ERROR,
            "client_no_client_auth",
            tr(
                "The client certificate {name} is not allowed for client authentication (no "
                "clientAuth extended key usage); servers will reject it."
            ).format(name=repr(name)),
        )


def _left_out(item: LeftOut, has_client: bool) -> Finding:
    if item.kind is LeftOutKind.SERVER_CERT:
        # Beside a client identity a server's leaf is expected (trustme's layout); alone, the
        # bundle someone thought held a client identity holds none.
        if has_client:
            message = tr("{item} is for a server, so it is not installed.")
        else:
            message = tr(
                "{item} is for a server, so it is not installed. The bundle holds no client "
                "certificate to log in with."
            )
        return Finding(
            Severity.INFO if has_client else Severity.WARNING,
            "server_cert_left_out",
            message.format(item=_sentence(item.detail)),
        )
    if item.kind is LeftOutKind.LOCKED_P12:
        return Finding(
            Severity.WARNING,
            "locked_p12_left_out",
            tr(
                "{detail} It was not opened: the readable client identity beside it is used. If "
                "it holds another identity, run again with its password."
            ).format(detail=item.detail),
        )
    if item.kind is LeftOutKind.KEYSTORE:
        return Finding(
            Severity.WARNING,
            "java_keystore_left_out",
            tr("{detail} The readable client identity beside it is used.").format(
                detail=item.detail
            ),
        )
    if item.kind is LeftOutKind.KEY_BLOCK:
        return Finding(
            Severity.WARNING,
            "key_block_left_out",
            tr("{detail} No certificate here needs that key, so it is left out.").format(
                detail=item.detail
            ),
        )
    code = "cert_left_out" if item.kind is LeftOutKind.CERT else "key_left_out"
    message = tr("{item} is not installed.").format(item=_sentence(item.detail))
    return Finding(Severity.WARNING, code, message)


def _sentence(text: str) -> str:
    """`text` with its first letter upper-cased and the rest as it was (str.capitalize would
    lower-case the file names and subjects that follow)."""
    return text[:1].upper() + text[1:]


def _validity(label: str, cert: x509.Certificate, at: dt.datetime) -> Iterator[Finding]:
    left = certinfo.days_left(cert, at)
    until = cert.not_valid_after_utc.date().isoformat()
    if cert.not_valid_before_utc > at:
        since = cert.not_valid_before_utc.date().isoformat()
        yield Finding(
            Severity.ERROR,
            "not_yet_valid",
            tr(
                "The {label} is not valid before {date}. Check this computer's clock, or wait "
                "until then."
            ).format(label=label, date=since),
        )
    elif cert.not_valid_after_utc <= at:
        yield Finding(
            Severity.ERROR,
            "expired",
            tr_n(
                "The {label} expired on {date} ({days} day ago). Download a renewed bundle.",
                "The {label} expired on {date} ({days} days ago). Download a renewed bundle.",
                -left,
            ).format(label=label, date=until, days=-left),
        )
    elif left <= EXPIRY_WARNING_DAYS:
        yield Finding(
            Severity.WARNING,
            "expiring_soon",
            tr_n(
                "The {label} expires on {date}, in {days} day. Plan to install the renewed bundle.",
                "The {label} expires on {date}, in {days} days. Plan to install the renewed "
                "bundle.",
                left,
            ).format(label=label, date=until, days=left),
        )


def _strength(label: str, cert: x509.Certificate) -> Iterator[Finding]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        yield Finding(
            Severity.ERROR,
            "weak_key",
            tr("The {label} has a {bits}-bit RSA key; at least 2048 bits are needed.").format(
                label=label, bits=key.key_size
            ),
        )
    algorithm = cert.signature_hash_algorithm
    if algorithm is not None and algorithm.name in WEAK_HASHES:
        # A root's self-signature is never checked, so there it is only a warning.
        severity = Severity.WARNING if certinfo.is_self_issued(cert) else Severity.ERROR
        yield Finding(
            severity,
            "weak_signature",
            tr("The {label} is signed with {algorithm}, which is no longer secure.").format(
                label=label, algorithm=algorithm.name.upper()
            ),
        )
