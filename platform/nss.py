"""Browser certificate databases (NSS): Chromium/Chrome and Firefox, on every OS where present.

The CA goes in with `certutil -A -t "C,,"`, the client identity with `pk12util`; presence is
checked with `certutil -L`, by SHA-256. Browsers read their database at start: restart them.
A Firefox profile that was never started gets its database created as Firefox creates it
(`certutil -N --empty-password`, sql: format). For verification (core/verify/consumers.py's
BrowserTrust), `vfychain` judges the chain a server really sent against one database.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import secrets
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core import certinfo, names, paths
from clustertrust.core.bundle.identity_p12 import identity_p12
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.consumer_names import NSS, browser_name
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.core.verify.consumers import ChainCheck
from clustertrust.platform import elevation as elev
from clustertrust.platform.runner import CommandError, Runner
from clustertrust.platform.store import private_files, removal
from cryptography import x509

NAME = NSS
TOOL_DIRS = (*elev.SEARCH_DIRS, "/opt/homebrew/bin", "/usr/local/opt/nss/bin")
PACKAGES = (
    "libnss3-tools on Debian/Ubuntu, nss-tools on Fedora/RHEL/Arch, mozilla-nss-tools on "
    "openSUSE, nss with Homebrew"
)
RESTART = translatable(
    "Restart your browsers (Firefox, Chromium, Chrome) so that they read the new certificates."
)
_LISTED = re.compile(r"^(.*?)\s+(\S*,\S*,\S*)\s*$")


@dataclass(frozen=True)
class Database:
    folder: Path

    @property
    def name(self) -> str:
        """What a person recognises: "Chromium", "Firefox (profile default-release)", …"""
        return browser_name(str(self.folder))

    @property
    def spec(self) -> str:
        return f"sql:{self.folder}"

    @property
    def exists(self) -> bool:
        """False for a Firefox profile that was never started: install creates its database."""
        return (self.folder / "cert9.db").is_file()


def firefox_roots(home: Path) -> list[Path]:
    """Folders that may hold a Firefox profiles.ini."""
    roots = [
        home / ".mozilla/firefox",
        home / ".config/mozilla/firefox",
        home / "snap/firefox/common/.mozilla/firefox",
        home / ".var/app/org.mozilla.firefox/.mozilla/firefox",
        home / ".var/app/org.mozilla.firefox/config/mozilla/firefox",
        home / "Library/Application Support/Firefox",
    ]
    if appdata := os.environ.get("APPDATA"):
        roots.append(Path(appdata) / "Mozilla" / "Firefox")
    return roots


def chromium_databases(home: Path) -> list[Database]:
    """Chromium's and Chrome's (both read ~/.pki/nssdb), NSS's newer XDG place, the snap's."""
    return [
        Database(home / ".pki/nssdb"),
        Database(home / ".local/share/pki/nssdb"),
        Database(home / "snap/chromium/current/.pki/nssdb"),
    ]


def firefox_profiles(root: Path) -> Iterator[Database]:
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
        if relative or folder.is_dir():  # an absolute path on a disk that is not there: skip
            yield Database(folder)


def find_databases(home: Path | None = None) -> list[Database]:
    """Chromium databases that exist (cert9.db), and every Firefox profile in a profiles.ini,
    also one never started (install creates its database). Legacy cert8.db is not used."""
    home = home or Path.home()
    found = [db for db in chromium_databases(home) if db.exists]
    for root in firefox_roots(home):
        found += [db for db in firefox_profiles(root) if not _legacy_only(db.folder)]
    unique: dict[Path, Database] = {}
    for db in found:
        if _usable(db.folder, home):
            unique.setdefault(db.folder.resolve(), db)
    return list(unique.values())


def _usable(folder: Path, home: Path) -> bool:
    """Inside the home; or, outside it (profiles.ini's absolute Path, `..`, a link), the user's
    own folder and never as root, who would otherwise write a client key wherever it points.
    As root, nothing another user owns (paths.refuse_foreign)."""
    if not hasattr(os, "geteuid"):
        return True  # Windows: no root running with a user's profile folder
    try:
        paths.refuse_foreign(folder)
        resolved = folder.resolve()
        if resolved.is_relative_to(home.resolve()):
            return True
        owner = resolved.lstat().st_uid
    except (InputError, OSError):
        return False
    return os.geteuid() != 0 and owner == os.geteuid()


def _legacy_only(folder: Path) -> bool:
    """A pre-2018 profile: Firefox upgrades cert8.db itself when it starts; never pre-empt it."""
    return (folder / "cert8.db").exists() and not (folder / "cert9.db").exists()


def nickname(cert: x509.Certificate) -> str:
    """The certificate's name made safe for NSS and for a command line (no NUL, newline, quote
    or colon, which NSS reads as a token separator), tagged with its fingerprint."""
    name = names.label(certinfo.common_name(cert.subject))
    return f"{name} (ClusterTrust {certinfo.sha256(cert)[:8]})"


class NssStore:
    """`databases=None` finds the user's browser databases; `certutil=None` finds the tool."""

    name = NAME
    store_name = NAME  # core.verify.consumers.BrowserTrust
    title = translatable("Browser certificate databases (NSS)")
    # Debian 12's NSS 3.87: `certutil -A` of an Ed25519 or Ed448 CA fails (SEC_ERROR_ADDING_CERT)
    # and pk12util of an Ed25519 identity fails (SEC_ERROR_PKCS12_UNABLE_TO_IMPORT_KEY).
    refuses_key_types = frozenset({"Ed25519", "Ed448"})

    def __init__(
        self,
        runner: Runner,
        databases: list[Database] | None = None,
        certutil: Path | None = None,
        pk12util: Path | None = None,
        vfychain: Path | None = None,
    ) -> None:
        self.runner = runner
        self._databases = databases
        self.certutil = certutil or elev.find_tool("certutil", TOOL_DIRS)
        self.pk12util = pk12util or elev.find_tool("pk12util", TOOL_DIRS)
        self.vfychain = vfychain or elev.find_tool("vfychain", TOOL_DIRS)

    @property
    def databases(self) -> list[Database]:
        if self._databases is None:
            self._databases = find_databases()
        return self._databases

    def detect(self) -> Availability:
        if not self.databases:
            return Availability(
                False,
                tr(
                    "no Firefox or Chromium certificate database was found (start the browser "
                    "once, then install again)."
                ),
            )
        if self.certutil is None or self.pk12util is None:
            return Availability(
                False,
                tr("certutil/pk12util are not installed; they are in {packages}.").format(
                    packages=PACKAGES
                ),
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
        """Present by SHA-256 and usable: a CA trusted for TLS servers (C), a client
        certificate with its private key (u). A certificate whose trust was cleared in the
        browser, or whose key was deleted, is not installed: repair puts it back."""
        if not (Path(record.location) / "cert9.db").is_file():
            return False  # a never-started profile, or a deleted one: nothing is in it
        wanted = "u" if record.kind == Kind.IDENTITY.value else "C"
        listing = self._listing(record.location)
        held = self._holding(record, [nick for nick, _ in listing])
        return any(wanted in flags.split(",")[0] for nick, flags in listing if nick in held)

    # core.verify.consumers.BrowserTrust: what verification asks of each database

    def browser_databases(self) -> list[str]:
        return [str(db.folder) for db in self.databases]

    def check_chain(self, location: str, chain_der: Sequence[bytes]) -> ChainCheck:
        return check_chain(self.runner, self.vfychain, Path(location), chain_der)

    def keys_by_certificate(self, location: str) -> dict[str, bool]:
        if self.certutil is None or not (Path(location) / "cert9.db").is_file():
            return {}
        try:
            listed = self._listing(location)
        except CommandError:
            return {}
        found: dict[str, bool] = {}
        for nick, flags in listed:
            for sha in self._fingerprints(location, nick):
                found[sha] = found.get(sha, False) or "u" in flags  # u: its key is there too
        return found

    def plan_remove(self, record: Record) -> list[Step]:
        commands = (_quote(self._delete_argv(record)),)
        return removal(record, commands, lambda: self._delete(record), note=RESTART)

    def _ca_step(self, ca: x509.Certificate, db: Database, scope: Scope) -> Step:
        record = record_for(ca, Kind.CA, NAME, str(db.folder), nickname(ca), scope)
        argv = (str(self.certutil), "-A", "-d", db.spec, "-n", record.name, "-t", "C,,", "-a")
        pem = certinfo.to_pem(ca)
        return Step(
            action="install",
            record=record,
            summary=_trust_summary(record, db),
            commands=(*self._create_commands(db), _quote(argv) + " < ca.crt"),
            undo_commands=(_quote(self._delete_argv(record)),),
            note=RESTART,
            run=lambda: self._run_in(db, argv, pem),
            undo=lambda: self._delete(record),
        )

    def _create_argv(self, db: Database) -> tuple[str, ...]:
        return (str(self.certutil), "-N", "-d", db.spec, "--empty-password")

    def _create_commands(self, db: Database) -> tuple[str, ...]:
        return () if db.exists else (_quote(self._create_argv(db)),)

    def _run_in(self, db: Database, argv: tuple[str, ...], stdin: bytes) -> str:
        self._ensure(db)
        return self._run(argv, stdin)

    def _ensure(self, db: Database) -> None:
        """Create a never-started profile's database, the way Firefox creates it."""
        if not db.exists:
            db.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._run(self._create_argv(db), b"")

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
        shown = self._import_argv(db, Path("client.p12"), Path("password-file"), Path("empty-file"))
        return Step(
            action="install",
            record=record,
            summary=tr("Add the client certificate {subject} with its key to {database}").format(
                subject=repr(record.subject), database=db.name
            ),
            commands=(*(() if bundle.ca else self._create_commands(db)), _quote(shown)),
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
            argv = self._import_argv(db, tmp / "client.p12", tmp / "pw", tmp / "empty")
            self._ensure(db)  # a client-only bundle: no CA step created it
            self._run(argv, b"", secrets=(password,))

    def _import_argv(
        self, db: Database, p12: Path, password_file: Path, empty: Path
    ) -> tuple[str, ...]:
        """What runs and, with placeholder file names, what the plan shows."""
        pk12 = str(self.pk12util)
        return (pk12, "-i", str(p12), "-d", db.spec, "-w", str(password_file), "-k", str(empty))

    def _delete_argv(self, record: Record, nick: str = "") -> tuple[str, ...]:
        # -F deletes the private key together with its certificate; -D the certificate only.
        flag = "-F" if record.kind == Kind.IDENTITY.value else "-D"
        where = f"sql:{record.location}"
        return (str(self.certutil), flag, "-d", where, "-n", nick or record.name)

    def _delete(self, record: Record) -> None:
        """Deletes exactly this certificate (an identity with its key); absent is fine."""
        if not (Path(record.location) / "cert9.db").is_file():
            return
        for nick in self._holding(record, self._nicknames(record.location)):
            self._delete_exactly(record, nick)

    def _delete_exactly(self, record: Record, nick: str) -> None:
        """NSS looks a nickname up by the certificate's subject and -D/-F take whichever
        certificate of that subject it picks, so a renewed certificate with the old one's
        subject could go instead. So: take every certificate of the subject out (-D leaves keys),
        put this one back alone and delete it with its key (-F), then put the others back."""
        group = self._certificates(record.location, nick)
        if record.sha256 not in {certinfo.sha256(c) for c in group}:
            return
        flags = dict(self._listing(record.location))
        others = [c for c in group if certinfo.sha256(c) != record.sha256]
        self._empty(record, nick, len(group))
        if record.kind == Kind.IDENTITY.value:
            alone = next(c for c in group if certinfo.sha256(c) == record.sha256)
            self._add(record.location, alone, record.name, ",,")
            self._run(self._delete_argv(record, record.name), b"")
        for cert in others:
            name = nickname(cert) if nickname(cert) in flags else nick
            self._add(record.location, cert, name, flags.get(name, ",,").replace("u", ""))

    def _empty(self, record: Record, nick: str, count: int) -> None:
        argv = (str(self.certutil), "-D", "-d", f"sql:{record.location}", "-n", nick)
        for _ in range(count + 1):
            if not self._fingerprints(record.location, nick):
                return
            self._run(argv, b"")
        raise CommandError(argv, None, "", "the certificates stay listed")

    def _add(self, folder: str, cert: x509.Certificate, nick: str, trust: str) -> None:
        argv = (str(self.certutil), "-A", "-d", f"sql:{folder}", "-n", nick, "-t", trust, "-a")
        self._run(argv, certinfo.to_pem(cert))

    def _holding(self, record: Record, nicknames: Sequence[str]) -> list[str]:
        """The nicknames under which this certificate is filed (normally one: ours)."""
        names = dict.fromkeys(nicknames)
        return [n for n in names if record.sha256 in self._fingerprints(record.location, n)]

    def _fingerprints(self, folder: str, nick: str) -> set[str]:
        """SHA-256 of every certificate `nick` finds (all those with its subject)."""
        return {certinfo.sha256(c) for c in self._certificates(folder, nick)}

    def _certificates(self, folder: str, nick: str) -> list[x509.Certificate]:
        argv = (str(self.certutil), "-L", "-d", f"sql:{folder}", "-n", nick, "-a")
        result = self.runner.run(argv, check=False)
        return [c for _, c in certinfo.pem_certificates(result.stdout)]

    def _nicknames(self, folder: str) -> list[str]:
        return [nick for nick, _flags in self._listing(folder)]

    def _listing(self, folder: str) -> list[tuple[str, str]]:
        """(nickname, trust flags) of every certificate in the database."""
        listing = self._run((str(self.certutil), "-L", "-d", f"sql:{folder}"), b"")
        _, _, body = listing.partition("SSL,S/MIME,JAR/XPI")  # after the column header
        return [
            (m.group(1).strip(), m.group(2))
            for line in body.splitlines()
            if (m := _LISTED.match(line))
        ]

    def _run(self, argv: tuple[str, ...], stdin: bytes, secrets: tuple[str, ...] = ()) -> str:
        if self.certutil is None or self.pk12util is None:
            raise CommandError(argv, None, "", f"could not start: install {PACKAGES}")
        return self.runner.run(argv, input=stdin, secrets=secrets).stdout


def _trust_summary(record: Record, db: Database) -> str:
    if db.exists:
        summary = tr("Trust the CA {subject} in {database}")
    else:
        summary = tr(
            "Trust the CA {subject} in {database}; never started, so its certificate database is "
            "created first"
        )
    return summary.format(subject=repr(record.subject), database=db.name)


# vfychain prints the NSS error of each problem as "ERROR -8179: ..." (secerr.h codes)
_NSS_ERROR = re.compile(r"ERROR (-\d+):")


def check_chain(
    runner: Runner, vfychain: Path | None, folder: Path, chain_der: Sequence[bytes]
) -> ChainCheck:
    """Does this database trust `chain_der` (leaf first, as the server sent it) for a TLS
    server? vfychain opens the database read-only, so a running browser is no obstacle."""
    if vfychain is None:
        why = tr("vfychain is not installed (it is in {packages})").format(packages=PACKAGES)
        return ChainCheck(False, ran=False, why=why)
    if not chain_der:
        return ChainCheck(False, ran=False, why=tr("the server sent no certificate"))
    if not (folder / "cert9.db").is_file():
        why = tr("it has no certificate database in {folder}").format(folder=folder)
        return ChainCheck(False, ran=False, why=why)
    with public_files({f"{i}.der": der for i, der in enumerate(chain_der)}) as tmp:
        files = [str(tmp / f"{i}.der") for i in range(len(chain_der))]
        argv = (str(vfychain), "-d", f"sql:{folder}", "-u", "1", "-pp", *files)
        try:
            result = runner.run(argv, check=False, timeout=60)
        except CommandError as error:
            return ChainCheck(False, ran=False, why=str(error))
    if result.returncode == 0:
        return ChainCheck(True)
    code = _NSS_ERROR.search(result.output)
    return ChainCheck(False, int(code.group(1)) if code else None)


@contextlib.contextmanager
def public_files(contents: dict[str, bytes]) -> Iterator[Path]:
    """Certificates (public data) in a temporary folder that is removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="clustertrust-chain-"))
    try:
        for name, data in contents.items():
            (folder / name).write_bytes(data)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _quote(argv: tuple[str, ...]) -> str:
    """The command as a POSIX shell needs it: pasting it runs exactly `argv`, nothing more."""
    return shlex.join(argv)
