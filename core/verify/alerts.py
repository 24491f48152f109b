"""How a server refuses a client certificate: TLS alerts, or nginx-style HTTP 400/495/496."""

from __future__ import annotations

import ssl

from clustertrust.core import certinfo
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.verify.result import Diagnosis
from clustertrust.core.verify.result import VerifyOutcome as Outcome
from clustertrust.core.verify.situation import Situation

# OpenSSL reason names of the alerts a server sends about the client certificate
_REQUIRED = {"TLSV13_ALERT_CERTIFICATE_REQUIRED"}
_REJECTED = {
    "TLSV1_ALERT_UNKNOWN_CA": translatable(
        "unknown_ca: the server does not know the CA that issued it"
    ),
    "SSLV3_ALERT_BAD_CERTIFICATE": "bad_certificate",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "certificate_expired",
    "SSLV3_ALERT_CERTIFICATE_REVOKED": "certificate_revoked",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "certificate_unknown",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "unsupported_certificate",
    "TLSV1_ALERT_ACCESS_DENIED": "access_denied",
    "TLSV1_ALERT_DECRYPT_ERROR": translatable(
        "decrypt_error: the certificate's signature did not check out"
    ),
}
_HANDSHAKE_FAILURE = "SSLV3_ALERT_HANDSHAKE_FAILURE"  # how TLS 1.2 OpenSSL servers refuse
_NO_CERT_SENT = b"no required ssl certificate was sent"
_CERT_ERROR = b"ssl certificate error"


def alert_diagnosis(error: ssl.SSLError, at: Situation) -> Diagnosis | None:
    """The client-certificate outcome for a TLS alert, or None for any other TLS error."""
    reason = getattr(error, "reason", None) or ""
    if reason == _HANDSHAKE_FAILURE and at.cert_requested and not at.presented_cert:
        how = tr("TLS alert handshake_failure after asking for one")
        return client_cert_required(at, how)
    if reason in _REQUIRED or (reason in _REJECTED and not at.presented_cert):
        return client_cert_required(at, tr("TLS alert {alert}").format(alert=reason.lower()))
    if reason in _REJECTED:
        return client_cert_rejected(at, tr("TLS alert {alert}").format(alert=tr(_REJECTED[reason])))
    return None


def http_refusal(status: int, body: bytes, at: Situation) -> Diagnosis | None:
    """nginx answers a missing client cert with 496 and a bad one with 495, sent as 400."""
    text = body.lower()
    if status == 496 or (status == 400 and _NO_CERT_SENT in text):
        return client_cert_required(
            at, f"HTTP {status} \u201cNo required SSL certificate was sent\u201d"
        )
    if status == 495 or (status == 400 and _CERT_ERROR in text):
        how = f"HTTP {status} \u201cSSL certificate error\u201d"
        return client_cert_rejected(at, how) if at.presented_cert else client_cert_required(at, how)
    return None


def client_cert_required(at: Situation, how: str) -> Diagnosis:
    message = tr(
        "The server at {where} asked for a client certificate and got none ({how})."
    ).format(where=at.where, how=how)
    if at.bundle.client_cert is None:
        fix = tr(
            "This bundle holds no client certificate (a CA-only download). Download the "
            "bundle that includes the client certificate (tls.crt and tls.key, or bundle.p12) "
            "from the cluster console."
        )
    elif at.bundle.private_key is None:
        fix = tr(
            "The bundle has the client certificate but not its private key, so it cannot be "
            "presented. Use the complete bundle (with tls.key or bundle.p12)."
        )
    else:
        fix = tr(
            "The certificate was offered but did not arrive: a proxy or firewall that "
            "inspects TLS may strip it. Try without the proxy, or ask your IT team."
        )
    return Diagnosis(Outcome.CLIENT_CERT_REQUIRED, message, fix)


def client_cert_rejected(at: Situation, how: str) -> Diagnosis:
    cert = at.bundle.client_cert
    if cert is None:  # nothing was presented, so nothing can have been rejected
        return client_cert_required(at, how)
    left = certinfo.days_left(cert)
    if left < 0 or "expired" in how:
        if left < 0:
            message = tr(
                "The server refused the client certificate {client}: it expired on {date} ({how})."
            )
        else:
            message = tr(
                "The server refused the client certificate {client}: it expired "
                "(says the server) ({how})."
            )
        date = f"{cert.not_valid_after_utc:%Y-%m-%d}"
        return Diagnosis(
            Outcome.CLIENT_CERT_REJECTED,
            message.format(client=at.client_name, date=date, how=how),
            tr(
                "Download the renewed certificate bundle from the cluster console, install it, "
                "and verify again."
            ),
        )
    message = tr("The server refused the client certificate {client}, issued by {issuer} ({how}).")
    return Diagnosis(
        Outcome.CLIENT_CERT_REJECTED,
        message.format(client=at.client_name, issuer=certinfo.common_name(cert.issuer), how=how),
        tr(
            "The bundle is probably for another cluster, or older than the cluster's current "
            "CA: download the current bundle from the cluster console and verify again."
        ),
    )
