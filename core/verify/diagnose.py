"""Turn what a failed step saw into one outcome, a plain message and what to do about it."""

from __future__ import annotations

import ssl

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
            f"The proxy's name {at.proxy.host} (from the https_proxy setting) could not be found.",
            "Check the https_proxy / HTTPS_PROXY setting, or your network connection.",
        )
    why = "took too long" if isinstance(error, TimeoutError) else "found no such name"
    return Diagnosis(
        Outcome.DNS_FAILED,
        f"The name {at.target.host} could not be looked up: the DNS lookup {why}.",
        "Check the address for typos. If it is right, connect to the network or VPN the "
        "cluster is reachable from, then verify again.",
    )


def _connect_failed(error: BaseException, at: Situation) -> Diagnosis:
    where = f"the proxy {at.proxy_name}" if at.proxy else at.where
    if isinstance(error, TimeoutError):
        return Diagnosis(
            Outcome.TIMEOUT,
            f"{where} did not accept a connection within {at.timeout:g} s.",
            "A firewall may be dropping the traffic, or the cluster's IP access list does not "
            "include this network: check the VPN and the cluster's allowed addresses.",
        )
    refused = isinstance(error, ConnectionRefusedError)
    reason = "refused" if refused else (getattr(error, "strerror", None) or str(error)).lower()
    if at.proxy:
        return Diagnosis(
            Outcome.CONNECTION_REFUSED,
            f"The proxy {at.proxy_name} could not be reached: connection {reason}.",
            "Check the https_proxy / HTTPS_PROXY setting, or ask your IT team whether the "
            "proxy is running.",
        )
    return Diagnosis(
        Outcome.CONNECTION_REFUSED,
        f"Nothing accepts connections at {at.where} (connection {reason}).",
        "Check the port in the address (a Kurrent Cloud UI listens on 2113). If it is right, "
        "the cluster may be stopped or still starting: try again in a few minutes.",
    )


def _tunnel_failed(error: BaseException, at: Situation) -> Diagnosis:
    if isinstance(error, TunnelRefused):
        outcome = Outcome.TIMEOUT if error.status == 504 else Outcome.CONNECTION_REFUSED
        return Diagnosis(
            outcome,
            f"The proxy {at.proxy_name} would not open a connection to {at.where}: it "
            f"answered \u201c{error.status_line}\u201d.",
            _proxy_fix(error.status),
        )
    if isinstance(error, TimeoutError):
        return Diagnosis(
            Outcome.TIMEOUT,
            f"The proxy {at.proxy_name} did not open a connection to {at.where} within "
            f"{at.timeout:g} s.",
            "Try again; if it keeps happening, ask your IT team whether the proxy allows "
            "this address and port.",
        )
    return Diagnosis(
        Outcome.CONNECTION_REFUSED,
        f"The proxy {at.proxy_name} closed the connection instead of opening a tunnel to "
        f"{at.where} ({error}).",
        "Check the https_proxy / HTTPS_PROXY setting, or ask your IT team.",
    )


def _proxy_fix(status: int) -> str:
    if status == 407:
        return "The proxy wants a login: put it in the setting (https_proxy=http://USER:PASS@host:port)."
    if status in (403, 405):
        return "The proxy does not allow this address or port: ask your IT team to allow it."
    return (
        "Check the address and port. If they are right, the proxy cannot reach the cluster: "
        "ask your IT team, or try without the proxy (add the host to no_proxy)."
    )


def _stalled(stage: Stage, at: Situation) -> Diagnosis:
    if stage is Stage.HANDSHAKE:
        return Diagnosis(
            Outcome.TIMEOUT,
            f"{at.where} accepted the connection but did not complete the TLS handshake within "
            f"{at.timeout:g} s.",
            "Check the port: it may belong to a service that waits for the client to speak "
            "first. If it is right, the server is overloaded: try again later.",
        )
    return Diagnosis(
        Outcome.TIMEOUT,
        f"The TLS connection to {at.where} works, but the request got no answer within "
        f"{at.timeout:g} s.",
        "The cluster UI may be overloaded or starting: try again in a few minutes, or with a "
        "longer --timeout.",
    )


def _handshake_failed(error: BaseException, at: Situation) -> Diagnosis:
    reason = getattr(error, "reason", None)
    if reason in _NOT_TLS_REASONS:
        return Diagnosis(
            Outcome.TLS_HANDSHAKE_FAILED,
            f"{at.where} answered, but not with TLS: it is probably a plain http:// port "
            f"({reason}).",
            "Check the port in the address: the cluster UI's HTTPS port is the one shown in "
            "the cluster console.",
        )
    closed = isinstance(error, (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError))
    what = "closed the connection during" if closed else "failed"
    return Diagnosis(
        Outcome.TLS_HANDSHAKE_FAILED,
        f"The TLS handshake with {at.where} {what} ({reason or error}).",
        "Check the address and port. If they are right, a proxy or firewall may be "
        "interfering with TLS: try from another network, or ask your IT team.",
    )


def _no_http_answer(error: BaseException, failure: StepFailed, at: Situation) -> Diagnosis:
    closed = isinstance(error, ConnectionError | ssl.SSLEOFError | ssl.SSLZeroReturnError)
    if closed and failure.exchange.tls_version == "TLSv1.3":
        return _closed_after_handshake(at)
    return Diagnosis(
        Outcome.HTTP_ERROR,
        f"The TLS connection to {at.where} works, but the server gave no usable HTTP "
        f"answer ({error}).",
        "Check that the address is the cluster UI, not another service on the same host.",
    )


def _closed_after_handshake(at: Situation) -> Diagnosis:
    """In TLS 1.3 the server judges the client certificate after the client has finished, so a
    silent close right after the handshake is how some servers refuse it."""
    how = "it closed the connection right after the handshake without saying why"
    if at.cert_requested and not at.presented_cert:
        return client_cert_required(at, how)
    if at.cert_requested:
        return client_cert_rejected(at, how)
    return Diagnosis(
        Outcome.TLS_HANDSHAKE_FAILED,
        f"{at.where} closed the connection right after the TLS handshake, without an answer.",
        "Check the address and port; if they are right, a proxy or firewall may be "
        "interfering: try from another network, or ask your IT team.",
    )
