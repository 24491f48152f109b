"""Turn what a failed step saw into one outcome, a plain message and what to do about it."""

from __future__ import annotations

import ssl

from clustertrust.core.i18n import tr
from clustertrust.core.verify.alerts import (
    alert_diagnosis,
    client_cert_rejected,
    client_cert_required,
)
from clustertrust.core.verify.certs import server_cert_problem
from clustertrust.core.verify.connect import Stage, StepFailed
from clustertrust.core.verify.result import Diagnosis
from clustertrust.core.verify.result import VerifyOutcome as Outcome
from clustertrust.core.verify.situation import Situation
from clustertrust.core.verify.wire import TunnelRefused

_NOT_TLS_REASONS = {
    "WRONG_VERSION_NUMBER",
    "HTTP_REQUEST",
    "PACKET_LENGTH_TOO_LONG",
    "RECORD_LAYER_FAILURE",
    "UNKNOWN_PROTOCOL",
}


def diagnose_failure(failure: StepFailed, at: Situation) -> Diagnosis:
    error = failure.error
    if failure.stage is Stage.DNS:
        return _dns_failed(error, at)
    if failure.stage is Stage.CONNECT:
        return _connect_failed(error, at)
    if failure.stage is Stage.TUNNEL:
        return _tunnel_failed(error, at)
    if isinstance(error, ssl.SSLCertVerificationError):
        return server_cert_problem(error, failure.exchange.chain_der, at)
    if isinstance(error, ssl.SSLError) and (found := alert_diagnosis(error, at)):
        return found
    if isinstance(error, TimeoutError):
        return _stalled(failure.stage, at)
    if failure.stage is Stage.HANDSHAKE:
        return _handshake_failed(error, at)
    return _no_http_answer(error, failure, at)


def _dns_failed(error: BaseException, at: Situation) -> Diagnosis:
    if at.proxy:
        return Diagnosis(
            Outcome.DNS_FAILED,
            tr("The proxy's name {host} (from the https_proxy setting) could not be found.").format(
                host=at.proxy.host
            ),
            tr("Check the https_proxy / HTTPS_PROXY setting, or your network connection."),
        )
    if isinstance(error, TimeoutError):
        message = tr("The name {host} could not be looked up: the DNS lookup took too long.")
    else:
        message = tr("The name {host} could not be looked up: the DNS lookup found no such name.")
    return Diagnosis(
        Outcome.DNS_FAILED,
        message.format(host=at.target.host),
        tr(
            "Check the address for typos. If it is right, connect to the network or VPN the "
            "cluster is reachable from, then verify again."
        ),
    )


def _connect_failed(error: BaseException, at: Situation) -> Diagnosis:
    if isinstance(error, TimeoutError):
        if at.proxy:
            message = tr("The proxy {proxy} did not accept a connection within {seconds} s.")
        else:
            message = tr("{where} did not accept a connection within {seconds} s.")
        return Diagnosis(
            Outcome.TIMEOUT,
            message.format(proxy=at.proxy_name, where=at.where, seconds=f"{at.timeout:g}"),
            tr(
                "A firewall may be dropping the traffic, or the cluster's IP access list does "
                "not include this network: check the VPN and the cluster's allowed addresses."
            ),
        )
    refused = isinstance(error, ConnectionRefusedError)
    reason = tr("refused") if refused else (getattr(error, "strerror", None) or str(error)).lower()
    if at.proxy:
        return Diagnosis(
            Outcome.CONNECTION_REFUSED,
            tr("The proxy {proxy} could not be reached: connection {reason}.").format(
                proxy=at.proxy_name, reason=reason
            ),
            tr(
                "Check the https_proxy / HTTPS_PROXY setting, or ask your IT team whether the "
                "proxy is running."
            ),
        )
    return Diagnosis(
        Outcome.CONNECTION_REFUSED,
        tr("Nothing accepts connections at {where} (connection {reason}).").format(
            where=at.where, reason=reason
        ),
        tr(
            "Check the port in the address (a Kurrent Cloud UI listens on 2113). If it is "
            "right, the cluster may be stopped or still starting: try again in a few minutes."
        ),
    )


def _tunnel_failed(error: BaseException, at: Situation) -> Diagnosis:
    proxy, where = at.proxy_name, at.where
    if isinstance(error, TunnelRefused):
        outcome = Outcome.TIMEOUT if error.status == 504 else Outcome.CONNECTION_REFUSED
        message = tr(
            "The proxy {proxy} would not open a connection to {where}: "
            "it answered \u201c{answer}\u201d."
        )
        return Diagnosis(
            outcome,
            message.format(proxy=proxy, where=where, answer=error.status_line),
            _proxy_fix(error.status),
        )
    if isinstance(error, TimeoutError):
        message = tr("The proxy {proxy} did not open a connection to {where} within {seconds} s.")
        return Diagnosis(
            Outcome.TIMEOUT,
            message.format(proxy=proxy, where=where, seconds=f"{at.timeout:g}"),
            tr(
                "Try again; if it keeps happening, ask your IT team whether the proxy allows "
                "this address and port."
            ),
        )
    message = tr(
        "The proxy {proxy} closed the connection instead of opening a tunnel to {where} ({error})."
    )
    return Diagnosis(
        Outcome.CONNECTION_REFUSED,
        message.format(proxy=proxy, where=where, error=error),
        tr("Check the https_proxy / HTTPS_PROXY setting, or ask your IT team."),
    )


def _proxy_fix(status: int) -> str:
    if status == 407:
        return tr(
            "The proxy wants a login: put it in the setting "
            "(https_proxy=http://USER:PASS@host:port)."
        )
    if status in (403, 405):
        return tr("The proxy does not allow this address or port: ask your IT team to allow it.")
    return tr(
        "Check the address and port. If they are right, the proxy cannot reach the cluster: "
        "ask your IT team, or try without the proxy (add the host to no_proxy)."
    )


def _stalled(stage: Stage, at: Situation) -> Diagnosis:
    seconds = f"{at.timeout:g}"
    if stage is Stage.HANDSHAKE:
        message = tr(
            "{where} accepted the connection but did not complete the TLS handshake within "
            "{seconds} s."
        )
        return Diagnosis(
            Outcome.TIMEOUT,
            message.format(where=at.where, seconds=seconds),
            tr(
                "Check the port: it may belong to a service that waits for the client to speak "
                "first. If it is right, the server is overloaded: try again later."
            ),
        )
    message = tr(
        "The TLS connection to {where} works, but the request got no answer within {seconds} s."
    )
    return Diagnosis(
        Outcome.TIMEOUT,
        message.format(where=at.where, seconds=seconds),
        tr(
            "The cluster UI may be overloaded or starting: try again in a few minutes, or with "
            "a longer --timeout."
        ),
    )


def _handshake_failed(error: BaseException, at: Situation) -> Diagnosis:
    reason = getattr(error, "reason", None)
    if reason in _NOT_TLS_REASONS:
        message = tr(
            "{where} answered, but not with TLS: it is probably a plain http:// port ({reason})."
        )
        return Diagnosis(
            Outcome.TLS_HANDSHAKE_FAILED,
            message.format(where=at.where, reason=reason),
            tr(
                "Check the port in the address: the cluster UI's HTTPS port is the one shown in "
                "the cluster console."
            ),
        )
    if isinstance(error, (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        message = tr("The TLS handshake with {where} closed the connection during ({reason}).")
    else:
        message = tr("The TLS handshake with {where} failed ({reason}).")
    return Diagnosis(
        Outcome.TLS_HANDSHAKE_FAILED,
        message.format(where=at.where, reason=reason or error),
        tr(
            "Check the address and port. If they are right, a proxy or firewall may be "
            "interfering with TLS: try from another network, or ask your IT team."
        ),
    )


def _no_http_answer(error: BaseException, failure: StepFailed, at: Situation) -> Diagnosis:
    closed = isinstance(error, ConnectionError | ssl.SSLEOFError | ssl.SSLZeroReturnError)
    if closed and failure.exchange.tls_version == "TLSv1.3":
        return _closed_after_handshake(at)
    message = tr(
        "The TLS connection to {where} works, but the server gave no usable HTTP answer ({error})."
    )
    return Diagnosis(
        Outcome.HTTP_ERROR,
        message.format(where=at.where, error=error),
        tr("Check that the address is the cluster UI, not another service on the same host."),
    )


def _closed_after_handshake(at: Situation) -> Diagnosis:
    """In TLS 1.3 the server judges the client certificate after the client has finished, so a
    silent close right after the handshake is how some servers refuse it."""
    how = tr("it closed the connection right after the handshake without saying why")
    if at.cert_requested and not at.presented_cert:
        return client_cert_required(at, how)
    if at.cert_requested:
        return client_cert_rejected(at, how)
    return Diagnosis(
        Outcome.TLS_HANDSHAKE_FAILED,
        tr(
            "{where} closed the connection right after the TLS handshake, without an answer."
        ).format(where=at.where),
        tr(
            "Check the address and port; if they are right, a proxy or firewall may be "
            "interfering: try from another network, or ask your IT team."
        ),
    )
