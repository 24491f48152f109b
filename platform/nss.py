"""Browser certificate databases (NSS): Chromium/Chrome and Firefox, on every OS where present.

The CA goes in with `certutil -A -t "C,,"`, the client identity with `pk12util`; presence is
checked with `certutil -L`, by SHA-256. Browsers read their database at start: restart them.
"""

from __future__ import annotations

import configparser
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.core.bundle.identity_p12 import identity_p12
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.platform import elevation as elev
from clustertrust.platform.runner import CommandError, Runner
from clustertrust.platform.store import private_files
from cryptography import x509

NAME = "nss"
TOOL_DIRS = (*elev.SEARCH_DIRS, "/opt/homebrew/bin", "/usr/local/opt/nss/bin")
PACKAGES = (
    "libnss3-tools on Debian/Ubuntu, nss-tools on Fedora/RHEL/Arch, mozilla-nss-tools on "
    "openSUSE, nss with Homebrew"
)
RESTART = (
    "Restart your browsers (Firefox, Chromium, Chrome) so that they read the new certificates."
)
_LISTED = re.compile(r"^(.*?)\s+(\S*,\S*,\S*)\s*$")


@dataclass(frozen=True)
class Database:
    folder: Path
    title: str  # e.g. "Firefox profile default-release"

    @property
    def spec(self) -> str:
        return f"sql:{self.folder}"


def firefox_roots(home: Path) -> list[tuple[Path, str]]:
    """Folders that may hold a Firefox profiles.ini, each with a label for people."""
    roots = [
        (home / ".mozilla/firefox", ""),
        (home / ".config/mozilla/firefox", " (XDG)"),
        (home / "snap/firefox/common/.mozilla/firefox", " (snap)"),
        (home / ".var/app/org.mozilla.firefox/.mozilla/firefox", " (flatpak)"),
        (home / ".var/app/org.mozilla.firefox/config/mozilla/firefox", " (flatpak)"),
        (home / "Library/Application Support/Firefox", ""),
    ]
    if appdata := os.environ.get("APPDATA"):
        roots.append((Path(appdata) / "Mozilla" / "Firefox", ""))
    return roots


def chromium_databases(home: Path) -> list[Database]:
    return [
        Database(home / ".pki/nssdb", "Chromium/Chrome (~/.pki/nssdb)"),
        Database(home / ".local/share/pki/nssdb", "Chromium/Chrome (~/.local/share/pki/nssdb)"),
        Database(home / "snap/chromium/current/.pki/nssdb", "Chromium (snap)"),
    ]


def firefox_profiles(root: Path, label: str = "") -> Iterator[Database]:
    """Profiles listed in profiles.ini (relative or absolute paths)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read(root / "profiles.ini", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return
    for section in parser.sections():
        if not section.startswith("Profile") or not parser.has_option(section, "Path"):
            continue
        raw = parser.get(section, "Path")
        relative = parser.get(section, "IsRelative", fallback="1").strip() == "1"
        folder = root / raw if relative else Path(raw)
        name = parser.get(section, "Name", fallback=folder.name)
        yield Database(folder, f"Firefox profile {name}{label}")


def find_databases(home: Path | None = None) -> list[Database]:
    """Databases that exist (cert9.db); legacy cert8.db-only profiles are not used."""
    home = home or Path.home()
    found = chromium_databases(home)
    for root, label in firefox_roots(home):
        found += list(firefox_profiles(root, label))
    unique: dict[Path, Database] = {}
    for db in found:
        if (db.folder / "cert9.db").is_file():
            unique.setdefault(db.folder.resolve(), db)
    return list(unique.values())


def nickname(cert: x509.Certificate) -> str:
    return f"{certinfo.common_name(cert.subject)} (ClusterTrust {certinfo.sha256(cert)[:8]})"


class NssStore:
    """`databases=None` finds the user's browser databases; `certutil=None` finds the tool."""

    name = NAME
    title = "Browser certificate databases (NSS)"

    def __init__(
        self,
        runner: Runner,
        databases: list[Database] | None = None,
        certutil: Path | None = None,
        pk12util: Path | None = None,
    ) -> None:
        self.runner = runner
        self._databases = databases
        self.certutil = certutil or elev.find_tool("certutil", TOOL_DIRS)
        self.pk12util = pk12util or elev.find_tool("pk12util", TOOL_DIRS)

    @property
    def databases(self) -> list[Database]:
        if self._databases is None:
            self._databases = find_databases()
        return self._databases

    def detect(self) -> Availability:
        if not self.databases:
            return Availability(
                False,
                "no Firefox or Chromium certificate database was found "
                "(start the browser once, then install again).",
            )
        if self.certutil is None or self.pk12util is None:
            return Availability(
                False, f"certutil/pk12util are not installed; they are in {PACKAGES}."
            )
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        steps = []
        for db in self.databases:
            if bundle.ca is not None:
                steps.append(self._ca_step(bundle.ca, db, scope))
            if bundle.client_cert is not None and bundle.private_key is not None:
                steps.append(self._identity_step(bundle, db, scope))
        return steps

    def is_installed(self, record: Record) -> bool:
        return record.sha256 in self._fingerprints(record.location)

    def plan_remove(self, record: Record) -> list[Step]:
        return [
            Step(
                action="remove",
                record=record,
                summary=f"Remove {record.subject!r} from {record.location}",
                commands=(_quote(self._delete_argv(record)),),
                undo_commands=(),
                note=RESTART,
                run=lambda: self._delete(record),
            )
        ]

    def _ca_step(self, ca: x509.Certificate, db: Database, scope: Scope) -> Step:
        record = record_for(ca, Kind.CA, NAME, str(db.folder), nickname(ca), scope)
        argv = (str(self.certutil), "-A", "-d", db.spec, "-n", record.name, "-t", "C,,", "-a")
        pem = certinfo.to_pem(ca)
        return Step(
            action="install",
            record=record,
            summary=f"Trust the CA {record.subject!r} in {db.title}",
            commands=(_quote(argv) + " < ca.crt",),
            undo_commands=(_quote(self._delete_argv(record)),),
            note=RESTART,
            run=lambda: self._run(argv, pem),
            undo=lambda: self._delete(record),
        )

    def _identity_step(self, bundle: Bundle, db: Database, scope: Scope) -> Step:
        assert bundle.client_cert is not None
        record = record_for(
            bundle.client_cert,
            Kind.IDENTITY,
            NAME,
            str(db.folder),
            nickname(bundle.client_cert),
            scope,
        )
        shown = (
            str(self.pk12util),
            "-i",
            "client.p12",
            "-d",
            db.spec,
            "-w",
            "password-file",
            "-k",
            "empty-file",
        )
        return Step(
            action="install",
            record=record,
            summary=f"Add the client certificate {record.subject!r} with its key to {db.title}",
            commands=(_quote(shown),),
            undo_commands=(_quote(self._delete_argv(record)),),
            note=RESTART,
            run=lambda: self._import_identity(bundle, db, record.name),
            undo=lambda: self._delete(record),
        )

    def _import_identity(self, bundle: Bundle, db: Database, nick: str) -> None:
        """A fresh p12 with our nickname and a random password, in 0600 files deleted after."""
        password = secrets.token_urlsafe(24)
        pkcs8 = bundle.client_key_pkcs8()  # the bundle's own key bytes: RSA-PSS stays RSA-PSS
        assert pkcs8 is not None and bundle.client_cert is not None
        data = identity_p12(pkcs8, bundle.client_cert, nick, password)
        with private_files({"client.p12": data, "pw": password.encode(), "empty": b""}) as tmp:
            argv = (
                str(self.pk12util),
                "-i",
                f"{tmp}/client.p12",
                "-d",
                db.spec,
                "-w",
                f"{tmp}/pw",
                "-k",
                f"{tmp}/empty",
            )
            self._run(argv, b"", secrets=(password,))

    def _delete_argv(self, record: Record) -> tuple[str, ...]:
        # -F deletes the private key together with its certificate; -D the certificate only.
        flag = "-F" if record.kind == Kind.IDENTITY.value else "-D"
        return (str(self.certutil), flag, "-d", f"sql:{record.location}", "-n", record.name)

    def _delete(self, record: Record) -> None:
        """Deletes our nickname only when it holds this certificate; absent is fine."""
        if record.sha256 not in self._fingerprints(record.location, record.name):
            return
        self._run(self._delete_argv(record), b"")

    def _fingerprints(self, folder: str, nick: str = "") -> set[str]:
        """SHA-256 of the certificates under `nick`, or of every certificate in the database."""
        names = [nick] if nick else self._nicknames(folder)
        found: set[str] = set()
        for name in names:
            argv = (str(self.certutil), "-L", "-d", f"sql:{folder}", "-n", name, "-a")
            result = self.runner.run(argv, check=False)
            found.update(certinfo.sha256(c) for _, c in certinfo.pem_certificates(result.stdout))
        return found

    def _nicknames(self, folder: str) -> list[str]:
        listing = self._run((str(self.certutil), "-L", "-d", f"sql:{folder}"), b"")
        _, _, body = listing.partition("SSL,S/MIME,JAR/XPI")  # after the column header
        return [m.group(1).strip() for line in body.splitlines() if (m := _LISTED.match(line))]

    def _run(self, argv: tuple[str, ...], stdin: bytes, secrets: tuple[str, ...] = ()) -> str:
        if self.certutil is None or self.pk12util is None:
            raise CommandError(argv, None, "", f"could not start: install {PACKAGES}")
        return self.runner.run(argv, input=stdin, secrets=secrets).stdout


def _quote(argv: tuple[str, ...]) -> str:
    return " ".join(f'"{a}"' if (" " in a or "," in a) else a for a in argv)
