"""The macOS keychain, through /usr/bin/security.

User scope: the identity into the login keychain (`security import`, with the PKCS#12 re-encoded
with legacy algorithms), then the CA trusted for SSL (`security add-trusted-cert -r trustRoot`,
which macOS confirms with its own authorization dialog), optionally only for the cluster host.
System scope: `-d` (admin trust settings) and the System keychain; it needs to run as root.

Not run here: built from the documented command lines and output of security(1) and tested by
exact command lines against a recording runner (tests/test_macos.py).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.platform.runner import CommandError, CommandResult, Runner
from clustertrust.platform.store import legacy_p12, private_files

NAME = "macos-keychain"
SECURITY = "/usr/bin/security"
SYSTEM_KEYCHAIN = "/Library/Keychains/System.keychain"
# What security(1) prints when the user dismisses the dialog or the password is refused.
CANCELLED_MARKERS = (
    "user canceled",
    "canceled by the user",
    "errsecauthfailed",
    "authorization was denied",
    "-128",
)


def login_keychain() -> str:
    return str(Path.home() / "Library" / "Keychains" / "login.keychain-db")


def hash_in(output: str, record: Record) -> bool:
    """`find-certificate -Z` prints `SHA-256 hash:` (newer macOS) and `SHA-1 hash:` lines."""
    sha256 = re.findall(r"SHA-256 hash:\s*([0-9A-Fa-f]+)", output)
    sha1 = re.findall(r"SHA-1 hash:\s*([0-9A-Fa-f]+)", output)
    return record.sha256 in (h.lower() for h in sha256) or record.sha1 in (h.lower() for h in sha1)


class MacKeychainStore:
    """`trust_host` restricts the CA's trust to one host name (`add-trusted-cert -s host`)."""

    name = NAME
    title = "macOS keychain"

    def __init__(self, runner: Runner, trust_host: str = "") -> None:
        self.runner = runner
        self.trust_host = trust_host

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        steps = []
        if bundle.client_cert is not None and bundle.private_key is not None:
            steps.append(self._identity_step(bundle, scope))
        if bundle.ca is not None:
            steps.append(self._ca_step(bundle, scope))
        return steps

    def is_installed(self, record: Record) -> bool:
        argv = (SECURITY, "find-certificate", "-a", "-Z", "-c", record.subject, record.location)
        result = self.runner.run(argv, check=False)
        if result.returncode != 0 or not hash_in(result.stdout, record):
            return False
        return record.kind != Kind.CA.value or self._trusted(record)

    def plan_remove(self, record: Record) -> list[Step]:
        return [
            Step(
                action="remove",
                record=record,
                summary=f"Remove {record.subject!r} from {record.location}",
                commands=tuple(" ".join(a) for a in self._remove_argvs(record, "ca.crt")),
                undo_commands=(),
                needs_authorization=record.kind == Kind.CA.value,
                run=lambda: self._remove(record),
            )
        ]

    def _keychain(self, scope: Scope) -> str:
        return login_keychain() if scope is Scope.USER else SYSTEM_KEYCHAIN

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
        shown = (SECURITY, "import", "bundle.p12", "-k", keychain, "-f", "pkcs12", "-P", "***")
        return Step(
            action="install",
            record=record,
            summary=f"Import the client certificate {record.subject!r} with its key into "
            f"{keychain}",
            commands=(" ".join(shown),),
            undo_commands=tuple(" ".join(a) for a in self._remove_argvs(record, "")),
            needs_authorization=scope is Scope.SYSTEM,
            run=lambda: self._import(bundle, keychain),
            undo=lambda: self._remove(record),
        )

    def _ca_step(self, bundle: Bundle, scope: Scope) -> Step:
        assert bundle.ca is not None
        keychain = self._keychain(scope)
        record = record_for(bundle.ca, Kind.CA, NAME, keychain, certinfo.sha1(bundle.ca), scope)
        pem = certinfo.to_pem(bundle.ca)
        host = f" for {self.trust_host} only" if self.trust_host else ""
        return Step(
            action="install",
            record=record,
            summary=f"Trust the CA {record.subject!r} for SSL{host} in {keychain} (macOS asks "
            "for your password)",
            commands=(" ".join(self._trust_argv(scope, keychain, "ca.crt")),),
            undo_commands=tuple(" ".join(a) for a in self._remove_argvs(record, "ca.crt")),
            needs_authorization=True,
            run=lambda: self._trust(scope, keychain, pem),
            undo=lambda: self._remove(record, pem),
        )

    def _trust_argv(self, scope: Scope, keychain: str, path: str) -> tuple[str, ...]:
        admin = ("-d",) if scope is Scope.SYSTEM else ()
        host = ("-s", self.trust_host) if self.trust_host else ()
        return (
            SECURITY,
            "add-trusted-cert",
            *admin,
            "-r",
            "trustRoot",
            "-p",
            "ssl",
            *host,
            "-k",
            keychain,
            path,
        )

    def _remove_argvs(self, record: Record, path: str) -> list[tuple[str, ...]]:
        if record.kind == Kind.IDENTITY.value:  # the certificate together with its private key
            return [(SECURITY, "delete-identity", "-Z", record.sha1.upper(), record.location)]
        admin = ("-d",) if record.scope == Scope.SYSTEM.value else ()
        return [
            (SECURITY, "remove-trusted-cert", *admin, path),
            (SECURITY, "delete-certificate", "-Z", record.sha1.upper(), record.location),
        ]

    def _import(self, bundle: Bundle, keychain: str) -> None:
        # security takes the password only as -P: a one-time random one for a throwaway file.
        password = secrets.token_urlsafe(24)
        with private_files({"bundle.p12": legacy_p12(bundle, "clustertrust", password)}) as tmp:
            argv = (
                SECURITY,
                "import",
                str(tmp / "bundle.p12"),
                "-k",
                keychain,
                "-f",
                "pkcs12",
                "-P",
                password,
            )
            self._checked(self.runner.run(argv, secrets=(password,), check=False))

    def _trust(self, scope: Scope, keychain: str, pem: bytes) -> None:
        with private_files({"ca.crt": pem}) as tmp:
            argv = self._trust_argv(scope, keychain, str(tmp / "ca.crt"))
            self._checked(self.runner.run(argv, check=False))

    def _trusted(self, record: Record) -> bool:
        """`security verify-cert` succeeds only when the trust setting is in place."""
        pem = self._stored_pem(record)
        if not pem:
            return False
        with private_files({"ca.crt": pem}) as tmp:
            argv = (SECURITY, "verify-cert", "-c", str(tmp / "ca.crt"), "-p", "ssl", "-L")
            return self.runner.run(argv, check=False).returncode == 0

    def _remove(self, record: Record, pem: bytes = b"") -> None:
        if not self._present(record):
            return
        is_ca = record.kind == Kind.CA.value
        with private_files({"ca.crt": (pem or self._stored_pem(record)) if is_ca else b""}) as tmp:
            for argv in self._remove_argvs(record, str(tmp / "ca.crt")):
                self._checked(self.runner.run(argv, check=False))

    def _present(self, record: Record) -> bool:
        argv = (SECURITY, "find-certificate", "-a", "-Z", "-c", record.subject, record.location)
        result = self.runner.run(argv, check=False)
        return result.returncode == 0 and hash_in(result.stdout, record)

    def _stored_pem(self, record: Record) -> bytes:
        """The stored certificate as PEM (`find-certificate -p`), picked by SHA-256."""
        argv = (SECURITY, "find-certificate", "-a", "-p", "-c", record.subject, record.location)
        result = self.runner.run(argv, check=False)
        for block, cert in certinfo.pem_certificates(result.stdout):
            if certinfo.sha256(cert) == record.sha256:
                return block + b"\n"
        return b""

    def _checked(self, result: CommandResult) -> None:
        if result.returncode == 0:
            return
        if any(m in result.output.lower() for m in CANCELLED_MARKERS):
            raise Cancelled(
                "macOS asked for authorization and it was cancelled or refused; nothing was "
                "changed in the keychain.",
                "Run the install again and enter your login password when macOS asks.",
            )
        raise CommandError(result.argv, result.returncode, result.output)
