"""What a person calls the consumer an installed item serves, from its store and location alone.

A ledger record, a planned step and a database platform/nss.py found all carry the same store id
and folder, so `status`, the clusters window, the plan, repair and `verify` name one browser
database the same way, also once its profile is gone:

    consumer_name("nss", "/home/a/.mozilla/firefox/x1y2.default-release")
                                            # Firefox (profile default-release)
    consumer_name("nss", "/home/a/snap/firefox/common/.mozilla/firefox/q.work")
                                            # Firefox (profile work, snap)
    consumer_name("nss", "/home/a/.pki/nssdb")  # Chromium (Chrome reads this one too)
    consumer_name("linux-anchors", "…")     # System trust store
    consumer_name("identity-files", "…")    # Command-line clients
"""

from __future__ import annotations

from pathlib import PureWindowsPath

from clustertrust.core.i18n import tr, translatable
from clustertrust.core.names import printable

NSS = "nss"  # the browsers' certificate databases (platform/nss.py)
IDENTITY_FILES = "identity-files"  # what command-line clients read (platform/identity_files.py)
SYSTEM_STORES = frozenset({"linux-anchors", "windows-certutil", "macos-keychain"})
# Names a person reads: translated where a name is made (tr); --json reads them in English
SYSTEM_STORE = translatable("System trust store")
COMMAND_LINE = translatable("Command-line clients")
OTHER_BROWSER = translatable("Browser certificate database")  # its location says which


def consumer_name(store: str, location: str) -> str:
    """What a person recognises: "Chromium", "Firefox (profile default-release)", …"""
    if store == IDENTITY_FILES:
        return tr(COMMAND_LINE)
    if store in SYSTEM_STORES:
        return tr(SYSTEM_STORE)
    if store == NSS:
        return browser_name(location)
    return store


def consumer_key(store: str, location: str) -> str:
    """Each browser database is its own consumer; any other store is one consumer."""
    return f"{store}:{location}" if store == NSS else store


def browser_name(folder: str) -> str:
    """A browser database by the layout its browser gives it. The Firefox profile is the folder's
    name after Firefox's random prefix, which is the profile's name when it was made."""
    path = PureWindowsPath(folder)  # splits on "/" and "\": a location from any OS
    parts = [part.lower() for part in path.parts]
    if parts[-2:] in (["pki", "nssdb"], [".pki", "nssdb"]):
        return _chromium_name(parts)
    if "firefox" in parts:  # every Firefox profile root has a folder of that name
        profile = printable(path.name.split(".", 1)[-1] or path.name)  # a folder name: any text
        where = _firefox_flavour(parts)
        if where:
            return tr("Firefox (profile {profile}, {flavour})").format(
                profile=profile, flavour=where
            )
        return tr("Firefox (profile {profile})").format(profile=profile)
    return tr(OTHER_BROWSER)


def _chromium_name(parts: list[str]) -> str:
    if "snap" in parts and "chromium" in parts:
        return "Chromium (snap)"
    if parts[-2] == "pki":  # NSS's newer XDG place, beside ~/.pki/nssdb on some computers
        return "Chromium (~/.local/share/pki/nssdb)"
    return "Chromium"


def _firefox_flavour(parts: list[str]) -> str:
    """Snap and flatpak are Firefox installs of their own; XDG keeps two profile roots apart."""
    if "snap" in parts:
        return "snap"
    if ".var" in parts:
        return "flatpak"
    if ".config" in parts:
        return "XDG"
    return ""


__all__ = [
    "COMMAND_LINE",
    "IDENTITY_FILES",
    "NSS",
    "SYSTEM_STORE",
    "browser_name",
    "consumer_key",
    "consumer_name",
]
