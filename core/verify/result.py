"""What a verification found: one result per trust mode, and the report that combines them."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from clustertrust.core.bundle.summary import CertificateSummary
from clustertrust.core.i18n import translatable
from clustertrust.core.model import Consumer
from clustertrust.core.model import ConsumerKind as ConsumerKind  # the model's, judged here
from clustertrust.core.remedy import Remedy, for_terminal


class VerifyOutcome(enum.Enum):
    """Exactly the outcome codes of the command-line contract (DESIGN.md)."""

    OK = "ok"
    DNS_FAILED = "dns_failed"
    CONNECTION_REFUSED = "connection_refused"
    TIMEOUT = "timeout"
    TLS_HANDSHAKE_FAILED = "tls_handshake_failed"
    SERVER_UNTRUSTED = "server_untrusted"
    SERVER_CHAIN_INCOMPLETE = "server_chain_incomplete"
    HOSTNAME_MISMATCH = "hostname_mismatch"
    SERVER_CERT_EXPIRED = "server_cert_expired"
    CLIENT_CERT_REQUIRED = "client_cert_required"
    CLIENT_CERT_REJECTED = "client_cert_rejected"
    HTTP_ERROR = "http_error"
    NOT_SET_UP = "not_set_up"  # a consumer the install did not cover: never a failure


class TrustMode(enum.Enum):
    BUNDLE = "bundle"  # trust only the bundle's own CA: does the bundle work at all?
    SYSTEM = "system"  # trust what the operating system trusts (truststore): the install proof


TRUST_MODE_NAMES = {
    TrustMode.BUNDLE: translatable("the bundle's own CA"),
    TrustMode.SYSTEM: translatable("this computer's trust store"),
}


@dataclass(frozen=True)
class Timings:
    """Milliseconds per step; None for a step that was not reached. first_byte runs from
    sending the request to the first byte of the answer; total covers everything."""

    dns: float | None = None
    connect: float | None = None
    handshake: float | None = None
    first_byte: float | None = None
    total: float | None = None


@dataclass(frozen=True)
class Diagnosis:
    """`fix` is the words; `remedies` the actions they point to, which each front end names
    its own way (a command, a button): `terminal_fix` is the command line's. A note may point
    to actions of its own (`note_remedies`, e.g. removing what a renewal left behind), said
    the same way: `terminal_note` is the command line's."""

    outcome: VerifyOutcome
    message: str
    fix: str = ""
    note: str = ""
    remedies: tuple[Remedy, ...] = ()
    note_remedies: tuple[Remedy, ...] = ()

    @property
    def terminal_fix(self) -> str:
        return for_terminal(self.fix, self.remedies)

    @property
    def terminal_note(self) -> str:
        return for_terminal(self.note, self.note_remedies)

    @property
    def ok(self) -> bool:
        return self.outcome is VerifyOutcome.OK


class _Diagnosed:
    """What a result with a diagnosis answers first: ok, the outcome, the message, the fix."""

    diagnosis: Diagnosis

    @property
    def ok(self) -> bool:
        return self.diagnosis.ok

    @property
    def outcome(self) -> VerifyOutcome:
        return self.diagnosis.outcome

    @property
    def message(self) -> str:
        return self.diagnosis.message

    @property
    def fix(self) -> str:
        return self.diagnosis.terminal_fix


@dataclass(frozen=True)
class VerifyResult(_Diagnosed):
    """The verification of one URL in one trust mode."""

    url: str
    trust: TrustMode
    diagnosis: Diagnosis
    timings: Timings = Timings()
    server_chain: tuple[CertificateSummary, ...] = ()
    tls_version: str | None = None
    cipher: str | None = None
    http_status: int | None = None
    client_certificate: CertificateSummary | None = None
    client_cert_requested: bool | None = None  # the server asked for one (None: not known)
    proxy: str | None = None
    chain_der: tuple[bytes, ...] = field(default=(), repr=False)  # as the server sent it

    def to_json(self) -> dict[str, Any]:
        client = self.client_certificate
        return {
            "ok": self.ok,
            "outcome": self.outcome.value,
            "message": self.message,
            "fix": self.fix,
            "note": self.diagnosis.note,
            "trust": self.trust.value,
            "url": self.url,
            "http_status": self.http_status,
            "tls_version": self.tls_version,
            "cipher": self.cipher,
            "timings_ms": asdict(self.timings),
            "server_chain": [c._asdict() for c in self.server_chain],
            "client_certificate": client._asdict() if client else None,
            "client_cert_requested": self.client_cert_requested,
            "proxy": self.proxy,
        }


@dataclass(frozen=True)
class ConsumerResult(_Diagnosed):
    consumer: Consumer
    diagnosis: Diagnosis

    @property
    def name(self) -> str:
        return self.consumer.name

    @property
    def covered(self) -> bool:
        return self.consumer.covered

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "covered": self.covered,
            "ok": self.ok,
            "outcome": self.outcome.value,
            "message": self.diagnosis.message,
            "fix": self.diagnosis.terminal_fix,
            "kind": self.consumer.kind.value,
            "location": self.consumer.location,
        }


@dataclass(frozen=True)
class VerifyReport:
    """Both trust modes for one URL, each consumer on this computer, and the one verdict a
    person reads first: ok when every consumer the install covered is ok."""

    url: str
    verdict: Diagnosis
    results: tuple[VerifyResult, ...]
    checked_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    consumers: tuple[ConsumerResult, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    @property
    def outcome(self) -> VerifyOutcome:
        return self.verdict.outcome

    def result(self, trust: TrustMode) -> VerifyResult | None:
        return next((r for r in self.results if r.trust is trust), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "outcome": self.outcome.value,
            "message": self.verdict.message,
            "fix": self.verdict.terminal_fix,
            "note": self.verdict.terminal_note,
            "url": self.url,
            "checked_at": self.checked_at,
            "consumers": [c.to_json() for c in self.consumers],
            "modes": {r.trust.value: r.to_json() for r in self.results},
        }
