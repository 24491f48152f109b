"""The Windows certificate stores: changes through certutil.exe, presence read from crypt32.

User scope: the CA into CurrentUser\\Root (Windows shows its own confirmation dialog, for adding
and for deleting), the client identity into CurrentUser\\My with the `-importPFX` modifiers
`NoRoot,NoExport` (Microsoft's certutil usage text: "NoRoot -- Do not import the root
certificate", so the root prompt does not appear twice; "NoExport -- Make the private key
non-exportable"). System scope (LocalMachine) needs the program to run elevated; without that it
is refused before anything changes (certutil would fail with 0x80070005), and the wizard says so
before the choice (elevation.system_scope_from_window). Items are named by SHA-1 thumbprint for
certutil and matched by SHA-256 when read back.

No decision rests on certutil's text, which Windows translates: success and failure come from
its exit code, the HRESULT (hresult.py); presence from the store itself (wincrypt.py); "no
desktop" and "user roots forbidden" from the session and the policy (winsession.py). Removal
always runs the delete and counts "not there" as done.

Not run here: tested against a recording runner that replays certutil's recorded outputs
(tests/test_windows.py); see README, "What was verified how".
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.platform import hresult, wincrypt, winsession
from clustertrust.platform.onetime import one_time_password
from clustertrust.platform.outcomes import NeedsDesktop, run_with_dialog
from clustertrust.platform.runner import CommandError, CommandResult, Runner
from clustertrust.platform.store import legacy_p12, private_files, removal

NAME = "windows-certutil"
PFX_MODIFIERS = "NoRoot,NoExport"  # one comma-separated argument (certutil -importPFX -?)


@dataclass(frozen=True)
class Native:
    """What is asked of Windows itself; tests replace these."""

    certificates: Callable[[str, str], list[bytes]] = wincrypt.stored_certificates
    interactive: Callable[[], bool] = winsession.interactive_desktop
    user_roots_forbidden: Callable[[], bool] = winsession.user_roots_forbidden
    elevated: Callable[[], bool] = winsession.elevated


def certutil_path() -> Path:
    return Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "certutil.exe"


class WindowsStore:
    name = NAME
    title = translatable("Windows certificate store")

    def __init__(
        self, runner: Runner, certutil: Path | None = None, native: Native | None = None
    ) -> None:
        self.runner = runner
        self.certutil = str(certutil or certutil_path())
        self.native = native or Native()

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        if scope is Scope.SYSTEM and not self.native.elevated():
            raise InputError(
                tr(
                    "The computer's certificate stores (LocalMachine) can be changed only by a "
                    "program started as administrator, and this one was not; nothing was changed."
                ),
                tr(
                    "Open the terminal with Run as administrator and run the install again, or "
                    "use --scope user."
                ),
            )
        steps = []
        if bundle.ca is not None:
            steps.append(self._ca_step(bundle, scope))
        if bundle.client_cert is not None and bundle.private_key is not None:
            steps.append(self._identity_step(bundle, scope))
        return steps

    def is_installed(self, record: Record) -> bool:
        """In the store's own registry copy: a LocalMachine root does not count for the user."""
        stored = self.native.certificates(_location_id(record.scope), _store(record))
        return record.sha256 in {hashlib.sha256(der).hexdigest() for der in stored}

    def plan_remove(self, record: Record) -> list[Step]:
        authorize = _shows_root_dialog(record) or record.scope == "system"
        commands = (" ".join(self._delete_argv(record)),)
        return removal(record, commands, lambda: self._delete(record), authorize)

    def _ca_step(self, bundle: Bundle, scope: Scope) -> Step:
        assert bundle.ca is not None
        record = record_for(
            bundle.ca, Kind.CA, NAME, _location(scope, "Root"), certinfo.sha1(bundle.ca), scope
        )
        pem = certinfo.to_pem(bundle.ca)
        return Step(
            action="install",
            record=record,
            summary=tr("Trust the CA {subject} in {store} (Windows asks you to confirm)").format(
                subject=repr(record.subject), store=record.location
            ),
            commands=(" ".join(self._add_argv(scope, "ca.crt")),),
            undo_commands=(" ".join(self._delete_argv(record)),),
            needs_authorization=True,
            run=lambda: self._add_ca(record, pem),
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
        return Step(
            action="install",
            record=record,
            summary=tr("Add the client certificate {subject} with its key to {database}").format(
                subject=repr(record.subject), database=record.location
            ),
            commands=(" ".join(self._import_argv(scope, "***", "bundle.p12")),),
            undo_commands=(" ".join(self._delete_argv(record)),),
            needs_authorization=scope is Scope.SYSTEM,
            run=lambda: self._import_pfx(bundle, record),
            undo=lambda: self._delete(record),
        )

    def _add_argv(self, scope: Scope, path: str) -> tuple[str, ...]:
        return (self.certutil, *_where(scope.value), "-addstore", "Root", path)

    def _import_argv(self, scope: Scope, password: str, path: str) -> tuple[str, ...]:
        where = _where(scope.value)
        return (self.certutil, *where, "-p", password, "-importPFX", "My", path, PFX_MODIFIERS)

    def _delete_argv(self, record: Record) -> tuple[str, ...]:
        return (self.certutil, *_where(record.scope), "-delstore", _store(record), record.sha1)

    def _add_ca(self, record: Record, pem: bytes) -> None:
        if _shows_root_dialog(record):
            self._check_root_dialog_possible()
        with private_files({"ca.crt": pem}) as tmp:
            argv = self._add_argv(Scope(record.scope), str(tmp / "ca.crt"))
            result = self._run(argv, record, tr("add the CA"))
        if result.returncode != 0:
            raise self._failure(result, record, tr("add the CA"))

    def _check_root_dialog_possible(self) -> None:
        """Refused before anything changes, with the reason, rather than failed by Windows."""
        if self.native.user_roots_forbidden():
            raise _policy_forbids()
        if not self.native.interactive():
            raise _needs_desktop()

    def _import_pfx(self, bundle: Bundle, record: Record) -> None:
        password = one_time_password()  # certutil takes it only on its command line
        data = legacy_p12(bundle, "clustertrust", password)
        with private_files({"bundle.p12": data}) as tmp:
            argv = self._import_argv(Scope(record.scope), password, str(tmp / "bundle.p12"))
            result = self.runner.run(argv, secrets=(password,), check=False)
        if result.returncode != 0:
            raise self._failure(result, record, tr("import the client certificate"))

    def _delete(self, record: Record) -> None:
        """Always runs the delete; "not there" is done, whatever certutil answered."""
        result = self._run(self._delete_argv(record), record, tr("remove it"))
        code = hresult.of(result.returncode)
        if result.returncode == 0 or code in hresult.GONE or self._gone(record):
            return
        raise self._failure(result, record, tr("remove it"))

    def _gone(self, record: Record) -> bool:
        try:
            return not self.is_installed(record)
        except OSError:
            return False

    def _run(self, argv: tuple[str, ...], record: Record, what: str) -> CommandResult:
        """A step that shows the root dialog waits for a person, then says it was unanswered."""
        if not _shows_root_dialog(record):
            return self.runner.run(argv, check=False)
        return run_with_dialog(
            self.runner,
            argv,
            tr("The Windows confirmation"),
            what,
            tr(
                "Run it again and answer the Windows security warning; it may be hidden behind "
                "other windows."
            ),
        )

    def _failure(self, result: CommandResult, record: Record, what: str) -> Exception:
        code = hresult.of(result.returncode)
        if code == hresult.CANCELLED and not self.native.interactive():
            return _needs_desktop()
        if code == hresult.CANCELLED:
            return Cancelled(
                tr(
                    "Windows asked to confirm and the answer was No, so ClusterTrust did not "
                    "{what}."
                ).format(what=what),
                tr("Run it again and choose Yes in the Windows security warning."),
            )
        if _shows_root_dialog(record) and self.native.user_roots_forbidden():
            return _policy_forbids()
        if code == hresult.ACCESS_DENIED and record.scope == Scope.SYSTEM.value:
            return OperationFailed(
                tr("Windows refused access ({code}) when trying to {what}.").format(
                    code=hresult.shown(code), what=what
                ),
                tr(
                    "The computer-wide store needs ClusterTrust to run as administrator; or use "
                    "--scope user."
                ),
            )
        return CommandError(result.argv, result.returncode, result.output)


def _needs_desktop() -> NeedsDesktop:
    return NeedsDesktop(
        tr(
            "Windows must ask you to confirm a change to your trusted root certificates, and this "
            "session has no desktop to show that question on (a service or a remote shell); "
            "nothing was changed."
        ),
        tr(
            "Run ClusterTrust from a signed-in desktop session, or as administrator with "
            "--scope system."
        ),
    )


def _policy_forbids() -> OperationFailed:
    return OperationFailed(
        tr(
            "Your organisation's policy does not let you trust root certificates for your own "
            "account (ProtectedRoots Flags=1), so Windows would ignore this CA; nothing was "
            "changed."
        ),
        tr(
            "Ask your IT department to deploy the CA, or install it as administrator with "
            "--scope system."
        ),
    )


def _shows_root_dialog(record: Record) -> bool:
    return record.kind == Kind.CA.value and record.scope == Scope.USER.value


def _where(scope: str) -> tuple[str, ...]:
    return ("-user",) if scope == Scope.USER.value else ()


def _location_id(scope: str) -> str:
    return "user" if scope == Scope.USER.value else "machine"


def _location(scope: Scope, store: str) -> str:
    return f"{'CurrentUser' if scope is Scope.USER else 'LocalMachine'}\\{store}"


def _store(record: Record) -> str:
    return "Root" if record.kind == Kind.CA.value else "My"
