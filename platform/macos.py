"""The macOS keychain, through /usr/bin/security.

User scope: the identity into the login keychain (`security import -x`, the PKCS#12 re-encoded
with legacy algorithms, the key opened to the installed browsers with `-T`), then the CA trusted
for SSL (`add-trusted-cert -r trustRoot`, which macOS confirms with its own password dialog),
optionally only for the cluster host. System scope is the documented path: root writes the System
keychain and sets admin trust (`-d`), for which macOS still asks for an administrator password;
without root it is refused before anything changes (elevation.system_scope says so upfront).

No decision rests on security(1)'s words, which macOS translates: presence from the SHA-256
digests `find-certificate -Z` prints, trust from the trust-settings plist (mactrust.py), cancel
and "no GUI session" from the OSStatus behind a message (macstatus.py). add-trusted-cert stores
the certificate before its dialog, so a trust step that fails takes that copy back out.

Removal, after Apple's keychain_delete.c and trusted_cert_add.c: a trust setting that exists is
removed first (`remove-trusted-cert [-d]`), then the item is deleted without `-t`, because
`delete-certificate -t` ignores only errSecItemNotFound and skips the delete when the user
domain has no trust settings at all (errSecNoTrustSettings, -25263). delete-certificate and
delete-identity exit with the OSStatus & 0xFF, which is 0 for any status that is a multiple of
256 (errSecInvalidStopOnPolicy, -67840, is one), so every removal ends with a presence check:
"not there" is done, "still there" is a failure.

`-x` (non-extractable key) reaches the PKCS#12 import up to macOS 14 (Security-61123:
SecKeychainItemImport with the key attributes); from macOS 15 (Security-61439) keychain_import.c
hands PKCS#12 to SecPKCS12Import without them, so there the key stays extractable (README).

Not run here: tested against a recording runner that replays security(1)'s recorded outputs
(tests/platform/test_macos.py); see README, "What was verified how".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError, OperationFailed
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.platform import macstatus, mactrust
from clustertrust.platform.onetime import one_time_password
from clustertrust.platform.outcomes import NotAnswered, run_with_dialog
from clustertrust.platform.runner import CommandResult, Runner
from clustertrust.platform.store import legacy_p12, private_files, removal

NAME = "macos-keychain"
SECURITY = macstatus.SECURITY
SYSTEM_KEYCHAIN = "/Library/Keychains/System.keychain"
BROWSERS = (
    "/Applications/Safari.app",
    "/Applications/Google Chrome.app",
    "/Applications/Microsoft Edge.app",
    "/Applications/Brave Browser.app",
    "/Applications/Firefox.app",
)
SHA256_DIGEST = re.compile(r"\b[0-9A-Fa-f]{64}\b")
KEY_PROMPT = translatable(
    "The first time a browser uses your client certificate, macOS may ask whether it may use "
    "the private key in your login keychain (“… wants to sign using key … in your keychain”). "
    "Enter your Mac login password and choose Always Allow; it will not ask that browser again."
)


def login_keychain() -> str:
    return str(Path.home() / "Library" / "Keychains" / "login.keychain-db")


def digests_in(output: str) -> set[str]:
    """The SHA-256 digests in `find-certificate -Z` output, by their 64 hex digits alone."""
    return {d.lower() for d in SHA256_DIGEST.findall(output)}


class MacKeychainStore:
    """`trust_host` restricts the trust of the CA it installs to one host name
    (`add-trusted-cert -s host`); the record keeps it, and checks and re-installs follow it."""

    name = NAME
    title = translatable("macOS keychain")

    def __init__(
        self,
        runner: Runner,
        trust_host: str = "",
        is_root: Callable[[], bool] = lambda: os.geteuid() == 0,
        app_exists: Callable[[str], bool] = os.path.isdir,
    ) -> None:
        self.runner = runner
        self.trust_host = trust_host
        self.is_root = is_root
        self.app_exists = app_exists
        self._messages: dict[str, int] | None = None

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        if scope is Scope.SYSTEM:
            self._require_root()
        steps = []
        if bundle.client_cert is not None and bundle.private_key is not None:
            steps.append(self._identity_step(bundle, scope))
        if bundle.ca is not None:
            steps.append(self._ca_step(bundle, scope))
        return steps

    def is_installed(self, record: Record) -> bool:
        if not self._present(record):
            return False
        return record.kind != Kind.CA.value or self._trusted(record)

    def plan_remove(self, record: Record) -> list[Step]:
        commands = tuple(" ".join(a) for a in self._remove_argvs(record, "ca.crt"))
        authorize = record.kind == Kind.CA.value
        return removal(record, commands, lambda: self._remove(record), authorize)

    def _keychain(self, scope: Scope) -> str:
        return login_keychain() if scope is Scope.USER else SYSTEM_KEYCHAIN

    def _require_root(self) -> None:
        if not self.is_root():
            raise InputError(
                tr(
                    "The System keychain can be changed only by root, so the system scope was not "
                    "started; nothing was changed."
                ),
                tr(
                    "Run `sudo clustertrust install --scope system …` (macOS then asks for an "
                    "administrator password to trust the CA), or use --scope user."
                ),
            )

    def _identity_step(self, bundle: Bundle, scope: Scope) -> Step:
        assert bundle.client_cert is not None
        keychain = self._keychain(scope)
        record = record_for(
            bundle.client_cert,
            Kind.IDENTITY,
            NAME,
            keychain,
            certinfo.sha1(bundle.client_cert),
            scope,
        )
        apps = tuple(a for a in BROWSERS if self.app_exists(a)) if scope is Scope.USER else ()
        return Step(
            action="install",
            record=record,
            summary=tr(
                "Import the client certificate {subject} with its key into {keychain}"
            ).format(subject=repr(record.subject), keychain=keychain),
            commands=(" ".join(_import_argv("bundle.p12", keychain, "***", apps)),),
            undo_commands=tuple(" ".join(a) for a in self._remove_argvs(record, "")),
            needs_authorization=scope is Scope.SYSTEM,
            note=KEY_PROMPT if scope is Scope.USER else "",
            run=lambda: self._import(bundle, keychain, apps),
            undo=lambda: self._remove(record),
        )

    def _ca_step(self, bundle: Bundle, scope: Scope) -> Step:
        assert bundle.ca is not None
        keychain = self._keychain(scope)
        record = record_for(bundle.ca, Kind.CA, NAME, keychain, certinfo.sha1(bundle.ca), scope)
        record = replace(record, trust_host=self.trust_host)
        pem = certinfo.to_pem(bundle.ca)
        return Step(
            action="install",
            record=record,
            summary=self._ca_summary(record, scope, keychain),
            commands=(" ".join(_trust_argv(record, "ca.crt")),),
            undo_commands=tuple(" ".join(a) for a in self._remove_argvs(record, "ca.crt")),
            needs_authorization=True,
            run=lambda: self._trust(record, pem),
            undo=lambda: self._remove(record, pem),
        )

    def _ca_summary(self, record: Record, scope: Scope, keychain: str) -> str:
        yours = scope is Scope.USER
        if self.trust_host and yours:
            summary = tr(
                "Trust the CA {subject} for SSL for {host} only in {keychain} (macOS asks for "
                "your password)"
            )
        elif self.trust_host:
            summary = tr(
                "Trust the CA {subject} for SSL for {host} only in {keychain} (macOS asks for an "
                "administrator password)"
            )
        elif yours:
            summary = tr(
                "Trust the CA {subject} for SSL in {keychain} (macOS asks for your password)"
            )
        else:
            summary = tr(
                "Trust the CA {subject} for SSL in {keychain} (macOS asks for an administrator "
                "password)"
            )
        return summary.format(subject=repr(record.subject), host=self.trust_host, keychain=keychain)

    def _remove_argvs(self, record: Record, path: str) -> list[tuple[str, ...]]:
        """The trust setting's removal (a CA's, when it has one), then the item's delete."""
        sha1 = record.sha1.upper()
        if record.kind == Kind.IDENTITY.value:  # the certificate together with its private key
            return [(SECURITY, "delete-identity", "-Z", sha1, record.location)]
        return [
            (SECURITY, "remove-trusted-cert", *_domain(record), path),
            (SECURITY, "delete-certificate", "-Z", sha1, record.location),
        ]

    def _import(self, bundle: Bundle, keychain: str, apps: tuple[str, ...]) -> None:
        password = one_time_password()  # security takes it only as -P
        with private_files({"bundle.p12": legacy_p12(bundle, "clustertrust", password)}) as tmp:
            argv = _import_argv(str(tmp / "bundle.p12"), keychain, password, apps)
            result = self.runner.run(argv, secrets=(password,), check=False)
        if result.returncode != 0:
            raise self._failure(result, tr("import the client certificate"), importing=True)

    def _trust(self, record: Record, pem: bytes) -> None:
        """add-trusted-cert stores the certificate before its dialog: a failure takes it out."""
        scope = Scope(record.scope)
        if scope is Scope.SYSTEM:
            self._require_root()
        was_there = self._present(record)
        with private_files({"ca.crt": pem}) as tmp:
            argv = _trust_argv(record, str(tmp / "ca.crt"))
            try:
                result = self._dialog(argv, tr("trust the CA"))
            except NotAnswered:
                self._take_back(record, was_there)
                raise
        if result.returncode != 0:
            self._take_back(record, was_there)
            raise self._failure(result, tr("trust the CA"))

    def _take_back(self, record: Record, was_there: bool) -> None:
        if was_there:
            return  # someone else's copy from before: not ours to delete
        argv = (SECURITY, "delete-certificate", "-Z", record.sha1.upper(), record.location)
        self.runner.run(argv, check=False)
        if self._present(record):
            raise OperationFailed(
                tr(
                    "Trusting {subject} failed, and the untrusted copy macOS had already stored "
                    "in {keychain} could not be taken out."
                ).format(subject=repr(record.subject), keychain=record.location),
                tr("Remove it in Keychain Access, or run `{command}`.").format(
                    command=" ".join(argv)
                ),
            )

    def _remove(self, record: Record, pem: bytes = b"") -> None:
        """Every delete runs; what decides is whether the item is still there afterwards."""
        if record.scope == Scope.SYSTEM.value:
            self._require_root()
        if record.kind == Kind.CA.value and self._constraints(record, _domain(record)) is not None:
            self._remove_trust(record, pem or self._stored_pem(record))
        result = self._dialog(self._remove_argvs(record, "")[-1], tr("remove it"))
        if not self._present(record):
            return
        if result.returncode == 0:  # the exit status is the OSStatus & 0xFF
            raise OperationFailed(
                tr("security(1) exited 0 but {subject} is still in {keychain}.").format(
                    subject=repr(record.subject), keychain=record.location
                ),
                tr(
                    "Remove it in Keychain Access, or run `{command}` and read what it prints."
                ).format(command=" ".join(result.argv)),
            )
        raise self._failure(result, tr("remove it"))

    def _remove_trust(self, record: Record, pem: bytes) -> None:
        with private_files({"ca.crt": pem}) as tmp:
            argv = self._remove_argvs(record, str(tmp / "ca.crt"))[0]
            result = self._dialog(argv, tr("remove its trust setting"))
        if self._constraints(record, _domain(record)) is not None:
            raise self._failure(result, tr("remove its trust setting"))

    def _dialog(self, argv: tuple[str, ...], what: str) -> CommandResult:
        """A command that may show macOS' password dialog: a person's time, then NotAnswered."""
        return run_with_dialog(
            self.runner,
            argv,
            tr("The macOS authorization dialog"),
            what,
            tr("Run it again and answer the dialog; it may be hidden behind other windows."),
        )

    def _present(self, record: Record) -> bool:
        argv = (SECURITY, "find-certificate", "-a", "-Z", record.location)
        result = self.runner.run(argv, check=False)
        return result.returncode == 0 and record.sha256 in digests_in(result.stdout)

    def _trusted(self, record: Record) -> bool:
        settings = self._constraints(record, _domain(record))
        return mactrust.trusted_for_ssl(settings, record.trust_host)

    def _constraints(
        self, record: Record, domain: tuple[str, ...]
    ) -> list[dict[str, object]] | None:
        """The CA's trust settings in one domain; None when that domain has none for it."""
        with private_files({}) as tmp:
            path = tmp / "trust-settings.plist"
            argv = (SECURITY, "trust-settings-export", *domain, str(path))
            result = self.runner.run(argv, check=False)
            if result.returncode != 0 or not path.exists():
                return None  # "No Trust Settings were found" and its translations
            return mactrust.constraints(path.read_bytes(), record.sha1)

    def _stored_pem(self, record: Record) -> bytes:
        """The stored certificate as PEM (`find-certificate -p`), picked by SHA-256."""
        argv = (SECURITY, "find-certificate", "-a", "-p", record.location)
        result = self.runner.run(argv, check=False)
        for block, cert in certinfo.pem_certificates(result.stdout):
            if certinfo.sha256(cert) == record.sha256:
                return block + b"\n"
        return b""

    def _failure(self, result: CommandResult, what: str, importing: bool = False) -> Exception:
        if self._messages is None:
            self._messages = macstatus.messages(self.runner)
        status = macstatus.status_of(result, self._messages)
        return macstatus.failure(result, status, what, importing)


def _trust_argv(record: Record, path: str) -> tuple[str, ...]:
    """Trust as a root for SSL, in the record's keychain and domain, for its host only if any."""
    host = ("-s", record.trust_host) if record.trust_host else ()
    trust = ("-r", "trustRoot", "-p", "ssl", *host)
    return (SECURITY, "add-trusted-cert", *_domain(record), *trust, "-k", record.location, path)


def _domain(record: Record) -> tuple[str, ...]:
    """The trust-settings domain of the record's scope: admin (`-d`) for system, else user."""
    return ("-d",) if record.scope == Scope.SYSTEM.value else ()


def _import_argv(path: str, keychain: str, password: str, apps: tuple[str, ...]) -> tuple[str, ...]:
    """`-x`: the key is not extractable; `-T app` lets that browser use it without asking
    (security(1), import)."""
    allowed = tuple(arg for app in apps for arg in ("-T", app))
    return (
        SECURITY,
        "import",
        path,
        "-k",
        keychain,
        "-f",
        "pkcs12",
        "-x",
        "-P",
        password,
        *allowed,
    )
