"""The one place the OS picks its stores; WSL detection; the demo's sandbox."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from clustertrust.core.errors import InputError
from clustertrust.core.model import Scope
from clustertrust.platform import detect, linux, macos, nss, windows
from clustertrust.platform.identity_files import IdentityFilesStore


@pytest.mark.parametrize(
    ("env", "version", "expected"),
    [
        ({"WSL_DISTRO_NAME": "Ubuntu"}, "", True),
        ({}, "Linux version 5.15.153.1-microsoft-standard-WSL2 (root@x) #1 SMP", True),
        ({}, "Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)", False),
    ],
)
def test_wsl_is_recognised(
    tmp_path: Path, env: dict[str, str], version: str, expected: bool
) -> None:
    proc = tmp_path / "version"
    proc.write_text(version)
    assert detect.is_wsl(env, proc) is expected


def test_under_wsl_the_setup_explains_the_windows_side(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect, "is_wsl", lambda *a: True)
    setup = detect.current_setup(Scope.USER)
    assert any("Windows browsers" in n for n in setup.notes)


def test_linux_store_choice_by_scope() -> None:
    user = detect.current_setup(Scope.USER)
    assert [type(s) for s in user.stores] == [nss.NssStore, IdentityFilesStore]
    system = detect.current_setup(Scope.SYSTEM)
    assert [type(s) for s in system.stores] == [
        linux.LinuxAnchorsStore,
        nss.NssStore,
        IdentityFilesStore,
    ]
    only = detect.current_setup(Scope.SYSTEM, ["system"])
    assert [type(s) for s in only.stores] == [linux.LinuxAnchorsStore]


def test_an_unknown_store_name_is_bad_input() -> None:
    with pytest.raises(InputError) as raised:
        detect.current_setup(Scope.USER, ["nss", "java"])
    assert raised.value.exit_code == 2 and "system, nss, files" in raised.value.fix


@pytest.mark.parametrize(
    ("platform", "kind"),
    [
        ("win32", windows.WindowsStore),
        ("darwin", macos.MacKeychainStore),
        ("linux", linux.LinuxAnchorsStore),
    ],
)
def test_each_os_gets_its_own_store(
    monkeypatch: pytest.MonkeyPatch, platform: str, kind: type
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    assert isinstance(detect.os_store(detect.SubprocessRunner()), kind)
    if platform != "linux":  # on Windows and macOS the OS store has a per-user part
        assert "system" in detect.default_store_names(Scope.USER)


def test_the_sandbox_keeps_everything_inside_its_folder(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    setup = detect.sandbox_setup(root)
    anchors, browser, files = setup.stores
    assert isinstance(anchors, linux.LinuxAnchorsStore) and anchors.family is not None
    assert anchors.family.anchors == root / "anchors" and anchors.family.refresh == ()
    assert isinstance(browser, nss.NssStore)
    assert [db.folder for db in browser.databases] == [root / "nssdb"]
    assert (root / "nssdb/cert9.db").is_file()
    assert isinstance(files, IdentityFilesStore) and files.root == root / "identities"
    assert setup.ledger.path == root / "ledger.json"
    assert detect.sandbox_setup(root).stores[1].databases == browser.databases  # reusable


def test_the_sandbox_without_certutil_has_no_browser_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nss, "TOOL_DIRS", (str(tmp_path / "nothing"),))
    setup = detect.sandbox_setup(tmp_path / "demo")
    assert [s.name for s in setup.stores] == ["linux-anchors", "identity-files"]


def test_macos_trust_can_be_limited_to_one_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    setup = detect.current_setup(Scope.USER, ["system"], trust_host="abc.example.cloud")
    (keychain,) = setup.stores
    assert isinstance(keychain, macos.MacKeychainStore)
    assert keychain.trust_host == "abc.example.cloud"
