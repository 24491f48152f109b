"""Browser certificate databases laid out in a (temporary) HOME the way the browsers lay them out:
Chromium's ~/.pki/nssdb, Firefox's profiles.ini with one folder per profile. Real NSS databases,
made with certutil as the browsers make them (sql: format, empty password)."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

FIREFOX = Path(".mozilla/firefox")
# Every layout platform/nss.py looks in, under HOME, as the browsers and NSS make them
CHROMIUM_LAYOUTS = {
    "classic": Path(".pki/nssdb"),
    "xdg": Path(".local/share/pki/nssdb"),
    "snap": Path("snap/chromium/current/.pki/nssdb"),
}
FIREFOX_LAYOUTS = {
    "classic": FIREFOX,
    "xdg": Path(".config/mozilla/firefox"),
    "snap": Path("snap/firefox/common/.mozilla/firefox"),
    "flatpak": Path(".var/app/org.mozilla.firefox/.mozilla/firefox"),
}
# certutil -K: "< 0> rsa      101daace9ad28d92c118422d40137e5492c876ac   nickname"
KEY_LINE = re.compile(r"^<\s*\d+>\s+\S+\s+([0-9a-f]+)", re.MULTILINE)


def new_db(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    return folder


def chromium(home: Path, layout: str = "classic") -> Path:
    return new_db(home / CHROMIUM_LAYOUTS[layout])


def firefox(home: Path, profiles: dict[str, bool], layout: str = "classic") -> dict[str, Path]:
    """profiles.ini listing each profile name; True: started once (it has its database),
    False: never started (the folder Firefox's profile manager made, with no database)."""
    root = home / FIREFOX_LAYOUTS[layout]
    root.mkdir(parents=True, exist_ok=True)
    sections, folders = ["[General]\nStartWithLastProfile=1\nVersion=2\n"], {}
    for number, (name, started) in enumerate(profiles.items()):
        folder = root / f"x{number}abc.{name}"
        folder.mkdir()
        if started:
            new_db(folder)
        folders[name] = folder
        sections.append(f"[Profile{number}]\nName={name}\nIsRelative=1\nPath={folder.name}\n")
    (root / "profiles.ini").write_text("\n".join(sections))
    return folders


def add_firefox_profile(home: Path, name: str, layout: str = "classic") -> Path:
    """A profile made after the others (Firefox's profile manager, then started once): a new
    section in profiles.ini and a folder with its database."""
    root = home / FIREFOX_LAYOUTS[layout]
    ini = root / "profiles.ini"
    number = ini.read_text().count("[Profile")
    folder = new_db(root / f"n{number}new.{name}")
    section = f"\n[Profile{number}]\nName={name}\nIsRelative=1\nPath={folder.name}\n"
    ini.write_text(ini.read_text() + section)
    return folder


def listing(folder: Path) -> str:
    argv = ["certutil", "-L", "-d", f"sql:{folder}"]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


def nicknames(folder: Path) -> dict[str, str]:
    """Nickname -> trust flags, from certutil's listing."""
    _, _, body = listing(folder).partition("SSL,S/MIME,JAR/XPI")
    found = {}
    for line in body.strip().splitlines():
        nick, _, flags = line.rstrip().rpartition(" ")
        found[nick.strip()] = flags
    return found


def delete(folder: Path, nickname: str, with_key: bool = False) -> None:
    """What a person does in the browser's certificate manager: delete (with its key)."""
    flag = "-F" if with_key else "-D"
    subprocess.run(["certutil", flag, "-d", f"sql:{folder}", "-n", nickname], check=True)


@dataclass(frozen=True)
class Held:
    """What one NSS database holds, as certutil tells it: each certificate by SHA-256 with the
    SSL trust of its line (C: trusted to issue server certificates; u: has its private key),
    and each private key by its NSS key ID."""

    trust: dict[str, str]
    keys: frozenset[str]


def held(folder: Path) -> Held:
    _, _, body = listing(folder).partition("SSL,S/MIME,JAR/XPI")
    lines: dict[str, list[str]] = {}
    for line in body.strip().splitlines():
        nick, _, flags = line.rstrip().rpartition(" ")
        lines.setdefault(nick.strip(), []).append(flags.split(",")[0])
    trust = {}
    for nick, flags in lines.items():
        # a nickname finds every certificate of its subject (two clusters' "admin" clients):
        # their lines then say whose trust is whose only when they all agree
        shown = flags[0] if len(set(flags)) == 1 else "|".join(flags)
        trust.update(dict.fromkeys(certificates(folder, nick), shown))
    return Held(trust, frozenset(key_ids(folder)))


def certificates(folder: Path, nick: str) -> list[str]:
    """SHA-256 of every certificate the nickname finds."""
    argv = ["certutil", "-L", "-d", f"sql:{folder}", "-n", nick, "-a"]
    pem = subprocess.run(argv, capture_output=True, check=True).stdout
    return [sha256(c) for c in x509.load_pem_x509_certificates(pem)]


def key_ids(folder: Path) -> list[str]:
    argv = ["certutil", "-K", "-d", f"sql:{folder}"]
    out = subprocess.run(argv, capture_output=True, text=True).stdout  # exit 255: no keys
    return [m[1] for m in KEY_LINE.finditer(out)]


def sha256(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def key_id(cert: x509.Certificate) -> str:
    """The ID NSS gives a certificate's private key: SHA-1 of the RSA modulus or the EC point."""
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        n = public.public_numbers().n
        data = n.to_bytes((n.bit_length() + 7) // 8, "big")
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        data = public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    return hashlib.sha1(data).hexdigest()


def expected(cas: list[x509.Certificate], clients: list[x509.Certificate]) -> Held:
    """Exactly these CAs trusted C and these client certificates with their keys, nothing else."""
    trust = {sha256(ca): "C" for ca in cas} | {sha256(client): "u" for client in clients}
    return Held(trust, frozenset(key_id(client) for client in clients))
