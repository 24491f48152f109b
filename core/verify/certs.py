"""Why the server's certificate was not accepted: untrusted CA, wrong name, or expired."""

from __future__ import annotations

import ipaddress
import ssl
import sys

from clustertrust.core import certinfo
from clustertrust.core.i18n import tr
from clustertrust.core.remedy import Action, Remedy
from clustertrust.core.verify.result import Diagnosis, TrustMode
from clustertrust.core.verify.result import VerifyOutcome as Outcome
from clustertrust.core.verify.situation import (
    Situation,
    chain_ca_name,
    chain_reaches,
    missing_intermediate,
    parse_chain,
)
from cryptography import x509

NAME, DATES, TRUST = "name", "dates", "trust"
# What each verifier's error code means. OpenSSL: X509_V_ERR_* (openssl/x509_vfy.h). macOS:
# the CFError code of SecTrustEvaluateWithError (Security/SecBase.h). Windows: the dwError of
# CertVerifyCertificateChainPolicy (winerror.h). truststore passes these on as verify_code.
OPENSSL_CODES = {62: NAME, 64: NAME, 9: DATES, 10: DATES}
MACOS_CODES = {-67602: NAME, -67818: DATES, -67819: DATES, -67843: TRUST}
WINDOWS_CODES = {0x800B010F: NAME, 0x800B0101: DATES, 0x800B0109: TRUST, 0x800B010A: TRUST}


def server_cert_problem(
    error: ssl.SSLCertVerificationError, chain_der: list[bytes], at: Situation
) -> Diagnosis:
    chain = parse_chain(chain_der)
    detail = str(getattr(error, "verify_message", "") or error.reason or error)
    code = getattr(error, "verify_code", None)
    codes = _codes_of_verifier(at)
    kind = codes.get(code) if code is not None else None
    if kind is None and codes is not OPENSSL_CODES:  # an unlisted platform code: judge alone
        kind = _judge_chain(chain, at, detail)
    if kind == NAME:
        return hostname_mismatch(chain, at)
    if kind == DATES:
        return server_cert_expired(chain, at)
    return server_untrusted(chain, at, detail)


def _codes_of_verifier(at: Situation) -> dict[int, str]:
    """The bundle's CA is always checked by OpenSSL; the system store by the OS's verifier."""
    if at.trust is TrustMode.SYSTEM and sys.platform == "darwin":
        return MACOS_CODES
    if at.trust is TrustMode.SYSTEM and sys.platform == "win32":
        return WINDOWS_CODES
    return OPENSSL_CODES


def _judge_chain(chain: list[x509.Certificate], at: Situation, detail: str) -> str:
    if chain and not _covers(chain[0], at):
        return NAME
    if "expired" in detail.lower() or _expired_in(chain):
        return DATES
    return TRUST


def _covers(leaf: x509.Certificate, at: Situation) -> bool:
    host = at.target.host.lower().rstrip(".")
    names = [n.lower() for n in certinfo.dns_names(leaf)]
    try:
        wanted = ipaddress.ip_address(host)
        return any(_same_ip(name, wanted) for name in names)
    except ValueError:
        return any(_name_matches(name, host) for name in names)


def _same_ip(name: str, wanted: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(name) == wanted
    except ValueError:
        return False


def _name_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):  # a wildcard covers exactly one leftmost label
        first, _, rest = host.partition(".")
        return bool(first) and rest == pattern[2:]
    return pattern == host


def _expired_in(chain: list[x509.Certificate]) -> bool:
    return any(certinfo.days_left(c) < 0 or c.not_valid_before_utc > certinfo.now() for c in chain)


def hostname_mismatch(chain: list[x509.Certificate], at: Situation) -> Diagnosis:
    names = certinfo.dns_names(chain[0]) if chain else []
    covered = ", ".join(names) if names else tr("no names at all (no subjectAltName)")
    message = tr("The server's certificate does not cover the name {host}; it covers: {names}.")
    return Diagnosis(
        Outcome.HOSTNAME_MISMATCH,
        message.format(host=at.target.host, names=covered),
        tr(
            "Use the exact address shown in the cluster console (one of the names above). "
            "If that is the address you used, the server presents the wrong certificate: "
            "tell the cluster's operator."
        ),
    )


def server_cert_expired(chain: list[x509.Certificate], at: Situation) -> Diagnosis:
    now = certinfo.now()
    stale = next((c for c in chain if c.not_valid_after_utc < now), None)
    if stale is not None:
        if stale is chain[0]:
            message = tr("The server's certificate ({name}) expired on {date}.")
        else:
            message = tr("The server's CA certificate ({name}) expired on {date}.")
        return Diagnosis(
            Outcome.SERVER_CERT_EXPIRED,
            message.format(
                name=certinfo.common_name(stale.subject),
                date=f"{stale.not_valid_after_utc:%Y-%m-%d}",
            ),
            tr(
                "The cluster's operator must renew the server certificate; nothing on this "
                "computer can fix that. If the date looks wrong, check this computer's clock."
            ),
        )
    early = next((c for c in chain if c.not_valid_before_utc > now), chain[0] if chain else None)
    if early is not None:
        message = tr("The server's certificate is not valid yet before {time} UTC.").format(
            time=f"{early.not_valid_before_utc:%Y-%m-%d %H:%M}"
        )
    else:
        message = tr("The server's certificate is not valid yet.")
    return Diagnosis(
        Outcome.SERVER_CERT_EXPIRED,
        message,
        tr(
            "Check that this computer's date and time are right; if they are, tell the "
            "cluster's operator."
        ),
    )


def server_untrusted(chain: list[x509.Certificate], at: Situation, detail: str) -> Diagnosis:
    if missing_intermediate(chain, at.bundle.ca_certs, at.bundle.client_cert):
        return chain_incomplete(chain, at.where, at.bundle.ca_certs[0])
    server_ca = chain_ca_name(chain)
    bundle_ca = at.bundle.ca
    ours = bool(at.bundle.ca_certs) and chain_reaches(chain, at.bundle.ca_certs)
    if at.trust is TrustMode.SYSTEM:
        return _not_trusted_by_system(server_ca, ours, at)
    if bundle_ca is None:  # bundle mode always has a CA; be plain if that ever changes
        return _not_trusted_by_system(server_ca, ours, at)
    ours_name = certinfo.common_name(bundle_ca.subject)
    # a CA no older than the server's certificate cannot be the one that replaced the server's
    if server_ca == ours_name and bundle_ca.not_valid_before_utc >= chain[0].not_valid_before_utc:
        message = tr(
            "The server's certificate goes to a CA named {ca}, like the bundle's CA, but a "
            "different key signed it, and the bundle's CA is newer than the server's "
            "certificate: the cluster has not moved to the new CA yet (bundle CA SHA-256 "
            "{fingerprint})."
        )
        return Diagnosis(
            Outcome.SERVER_UNTRUSTED,
            message.format(ca=server_ca, fingerprint=_short(bundle_ca)),
            tr(
                "Keep the certificates installed now. Ask the cluster's operator when the "
                "server will use the new CA, and renew then."
            ),
        )
    if server_ca == ours_name:
        message = tr(
            "The server's certificate goes to a CA named {ca}, like the bundle's CA, but a "
            "different key signed it: the CA was replaced and this bundle is older than the "
            "server's certificate (bundle CA SHA-256 {fingerprint})."
        )
        return Diagnosis(
            Outcome.SERVER_UNTRUSTED,
            message.format(ca=server_ca, fingerprint=_short(bundle_ca)),
            tr(
                "Download the current certificate bundle from the cluster console, install it, "
                "and verify again."
            ),
        )
    message = tr(
        "The server's certificate goes to the CA {ca}, not to the bundle's CA {ours} ({detail})."
    )
    return Diagnosis(
        Outcome.SERVER_UNTRUSTED,
        message.format(ca=server_ca, ours=ours_name, detail=detail),
        tr(
            "Check that the address and the bundle belong to the same cluster. If the vendor "
            "has rotated the CA, download the current bundle from the cluster console."
        ),
    )


def chain_incomplete(chain: list[x509.Certificate], where: str, ca: x509.Certificate) -> Diagnosis:
    missing = chain_ca_name(chain)
    message = tr(
        "The server at {where} did not send the intermediate CA certificate {missing} that its "
        "certificate needs, so programs that trust the cluster's CA {ca} cannot connect the "
        "server's certificate to it."
    )
    fix = tr(
        "Nothing on this computer can fix that: tell the cluster's operator that the server "
        "must send its full chain (its certificate followed by the intermediate CA {missing}, "
        "for nginx both in the ssl_certificate file)."
    )
    return Diagnosis(
        Outcome.SERVER_CHAIN_INCOMPLETE,
        message.format(where=where, missing=missing, ca=certinfo.common_name(ca.subject)),
        fix.format(missing=missing),
    )


def _not_trusted_by_system(server_ca: str, ours: bool, at: Situation) -> Diagnosis:
    if ours:
        message = tr(
            "This computer does not trust the cluster's CA {ca} yet, so browsers and other "
            "apps will refuse the cluster UI."
        )
        return Diagnosis(
            Outcome.SERVER_UNTRUSTED,
            message.format(ca=server_ca),
            tr("Install the bundle, then verify again."),
            remedies=(Remedy(Action.INSTALL, (at.bundle.origin,)),),
        )
    ca = at.bundle.ca
    if ca is not None:
        message = tr(
            "This computer does not trust {ca}, the CA the server's certificate goes to; it is "
            "not the bundle's CA {ours}."
        ).format(ca=server_ca, ours=certinfo.common_name(ca.subject))
    else:
        message = tr(
            "This computer does not trust {ca}, the CA the server's certificate goes to."
        ).format(ca=server_ca)
    return Diagnosis(
        Outcome.SERVER_UNTRUSTED,
        message,
        tr(
            "If this address is your cluster's UI, install the cluster's certificate bundle. If "
            "you did not expect a private CA here, do not trust it: ask your IT team, since "
            "something on the network may be intercepting the connection."
        ),
    )


def _short(cert: x509.Certificate) -> str:
    return f"{certinfo.sha256(cert)[:16]}…"
