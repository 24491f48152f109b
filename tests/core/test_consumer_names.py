"""Consumer names: what a person recognises, from a store id and a location alone (the one rule
status, the clusters window, the plan, repair and verify share)."""

from __future__ import annotations

import pytest
from clustertrust.core.consumer_names import consumer_key, consumer_name

HOME = "/home/a"


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (f"{HOME}/.pki/nssdb", "Chromium"),
        (f"{HOME}/.local/share/pki/nssdb", "Chromium (~/.local/share/pki/nssdb)"),
        (f"{HOME}/snap/chromium/current/.pki/nssdb", "Chromium (snap)"),
        (f"{HOME}/.mozilla/firefox/x1y2.default-release", "Firefox (profile default-release)"),
        (
            f"{HOME}/.config/mozilla/firefox/x1y2.default-release",
            "Firefox (profile default-release, XDG)",
        ),
        (f"{HOME}/snap/firefox/common/.mozilla/firefox/q.work", "Firefox (profile work, snap)"),
        (
            f"{HOME}/.var/app/org.mozilla.firefox/.mozilla/firefox/q.work",
            "Firefox (profile work, flatpak)",
        ),
        (
            f"{HOME}/.var/app/org.mozilla.firefox/config/mozilla/firefox/q.work",
            "Firefox (profile work, flatpak)",
        ),
        (
            "/Users/a/Library/Application Support/Firefox/Profiles/ab12.default-release",
            "Firefox (profile default-release)",
        ),
        (
            r"C:\Users\a\AppData\Roaming\Mozilla\Firefox\Profiles\ab12.default-release",
            "Firefox (profile default-release)",
        ),
        (f"{HOME}/.mozilla/firefox/Work Stuff", "Firefox (profile Work Stuff)"),  # no prefix
        ("/srv/demo/nssdb", "Browser certificate database"),
        ("/home/firefoxfan/demo/nssdb", "Browser certificate database"),
    ],
)
def test_browser_databases_by_the_layout_their_browser_gives_them(location: str, name: str) -> None:
    assert consumer_name("nss", location) == name


@pytest.mark.parametrize(
    ("store", "location", "name"),
    [
        (
            "identity-files",
            f"{HOME}/.local/share/clustertrust/identities/ab",
            "Command-line clients",
        ),
        ("linux-anchors", "/usr/local/share/ca-certificates/x.crt", "System trust store"),
        ("windows-certutil", "CurrentUser\\Root", "System trust store"),
        ("macos-keychain", "login.keychain-db", "System trust store"),
    ],
)
def test_other_stores_by_what_they_serve(store: str, location: str, name: str) -> None:
    assert consumer_name(store, location) == name


def test_each_browser_database_is_its_own_consumer_other_stores_are_one() -> None:
    assert consumer_key("nss", "/a") != consumer_key("nss", "/b")
    assert consumer_key("linux-anchors", "/a") == consumer_key("linux-anchors", "/b")
