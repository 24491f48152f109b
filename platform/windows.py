"""The Windows certificate stores, through certutil.exe.

User scope: the CA into CurrentUser\\Root (Windows shows its own confirmation dialog), the client
identity into CurrentUser\\My with NoRoot so that the root prompt does not appear twice. System
scope (LocalMachine) needs the program to run elevated. Items are named by SHA-1 thumbprint,
never by serial number.

Not run here: this was built from certutil's documented command lines and output, and is tested
by exact command lines against a recording runner (tests/test_windows.py).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled, OperationFailed
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.platform.runner import CommandError, CommandResult, Runner
from clustertrust.platform.store import legacy_p12, private_files

NAME = "windows-certutil"
CANCELLED_MARKERS = ("ERROR_CANCELLED", "canceled by the user", "0x800704c7")
DENIED_MARKERS = ("E_ACCESSDENIED", "0x80070005", "Access is denied")


def certutil_path() -> Path:
    return Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "certutil.exe"


def thumbprint_in(output: str, sha1: str) -> bool:
    """certutil prints `Cert Hash(sha1): 4d3a...` (older versions put spaces between bytes)."""
    found = re.findall(r"Cert Hash\(sha1\):\s*([0-9a-fA-F ]+)", output)
    return any(h.replace(" ", "").lower() == sha1.lower() for h in found)


class WindowsStore:
    name = NAME
    title = "Windows certificate store"

    def __init__(self, runner: Runner, certutil: Path | None = None) -> None:
        self.runner = runner
        self.certutil = str(certutil or certutil_path())

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        steps = []
        if bundle.ca is not None:
            steps.append(self._ca_step(bundle, scope))
        if bundle.client_cert is not None and bundle.private_key is not None:
            steps.append(self._identity_step(bundle, scope))
        return steps

    def is_installed(self, record: Record) -> bool:
        argv = (self.certutil, *_where(record.scope), "-verifystore", _store(record), record.sha1)
        result = self.runner.run(argv, check=False)
        return result.returncode == 0 and thumbprint_in(result.stdout, record.sha1)

    def plan_remove(self, record: Record) -> list[Step]:
        return [
            Step(
                action="remove",
                record=record,
                summary=f"Remove {record.subject!r} from {record.location}",
                commands=(" ".join(self._delete_argv(record)),),
                undo_commands=(),
                needs_authorization=record.kind == Kind.CA.value or record.scope == "system",
                run=lambda: self._delete(record),
            )
        ]

    def _ca_step(self, bundle: Bundle, scope: Scope) -> Step:
        assert bundle.ca is not None
        record = record_for(
            bundle.ca, Kind.CA, NAME, _location(scope, "Root"), certinfo.sha1(bundle.ca), scope
        )
        shown = (self.certutil, *_where(scope.value), "-addstore", "Root", "ca.crt")
        pem = certinfo.to_pem(bundle.ca)
        return Step(
            action="install",
            record=record,
            summary=f"Trust the CA {record.subject!r} in {record.location} (Windows asks you "
            "to confirm)",
            commands=(" ".join(shown),),
            undo_commands=(" ".join(self._delete_argv(record)),),
            needs_authorization=True,
            run=lambda: self._add_ca(scope, pem),
            undo=lambda: self._delete(record),
        )

    def _identity_step(self, bundle: Bundle, scope: Scope) -> Step:
        assert bundle.client_cert is not None
        record = record_for(
            bundle.client_cert,
            Kind.IDENTITY,
            NAME,
            _location(scope, "My"),
            certinfo.sha1(bundle.client_cert),
            scope,
        )
        shown = (
            self.certutil,
            *_where(scope.value),
            "-p",
            "***",
            "-importPFX",
            "My",
            "bundle.p12",
            "NoRoot",
        )
        return Step(
            action="install",
            record=record,
            summary=f"Add the client certificate {record.subject!r} with its key to "
            f"{record.location}",
            commands=(" ".join(shown),),
            undo_commands=(" ".join(self._delete_argv(record)),),
            needs_authorization=scope is Scope.SYSTEM,
            run=lambda: self._import_pfx(bundle, scope),
            undo=lambda: self._delete(record),
        )

    def _add_ca(self, scope: Scope, pem: bytes) -> None:
        with private_files({"ca.crt": pem}) as tmp:
            argv = (self.certutil, *_where(scope.value), "-addstore", "Root", str(tmp / "ca.crt"))
            self._checked(self.runner.run(argv, check=False), "add the CA")

    def _import_pfx(self, bundle: Bundle, scope: Scope) -> None:
        # certutil takes the PFX password only on its command line: a one-time random one.
        password = secrets.token_urlsafe(24)
        data = legacy_p12(bundle, "clustertrust", password)
        with private_files({"bundle.p12": data}) as tmp:
            argv = (
                self.certutil,
                *_where(scope.value),
                "-p",
                password,
                "-importPFX",
                "My",
                str(tmp / "bundle.p12"),
                "NoRoot",
            )
            result = self.runner.run(argv, secrets=(password,), check=False)
            self._checked(result, "import the client certificate")

    def _delete_argv(self, record: Record) -> tuple[str, ...]:
        return (self.certutil, *_where(record.scope), "-delstore", _store(record), record.sha1)

    def _delete(self, record: Record) -> None:
        if not self.is_installed(record):
            return
        self._checked(self.runner.run(self._delete_argv(record), check=False), "remove it")

    def _checked(self, result: CommandResult, what: str) -> None:
        if result.returncode == 0:
            return
        if any(m.lower() in result.output.lower() for m in CANCELLED_MARKERS):
            raise Cancelled(
                f"Windows asked to confirm and the answer was No, so ClusterTrust did not {what}.",
                "Run the install again and choose Yes in the Windows security warning.",
            )
        if any(m.lower() in result.output.lower() for m in DENIED_MARKERS):
            raise OperationFailed(
                f"Windows refused access when trying to {what}.",
                "The computer-wide store needs ClusterTrust to run as administrator; or use "
                "--scope user.",
            )
        raise CommandError(result.argv, result.returncode, result.output)


def _where(scope: str) -> tuple[str, ...]:
    return ("-user",) if scope == Scope.USER.value else ()


def _location(scope: Scope, store: str) -> str:
    return f"{'CurrentUser' if scope is Scope.USER else 'LocalMachine'}\\{store}"


def _store(record: Record) -> str:
    return "Root" if record.kind == Kind.CA.value else "My"
