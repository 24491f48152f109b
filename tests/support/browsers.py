"""Browser certificate databases laid out in a (temporary) HOME the way the browsers lay them out:
Chromium's ~/.pki/nssdb, Firefox's profiles.ini with one folder per profile. Real NSS databases,
made with certutil as the browsers make them (sql: format, empty password)."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
