"""A refused elevation is recognised by exit codes alone, never by sudo's translated words.

sudo(8): exit 1 for its own failures (a wrong password three times, not in sudoers, Ctrl-C at
the prompt), else the command's status; its messages go through gettext
(../shared/os-tool-outputs.md). pkexec(1): 126 dismissed, 127 not authorized. The privileged
helper keeps out of sudo's way by never exiting 1 (elevation.HELPER_FAILED).
"""

from __future__ import annotations

import sys

import pytest
from clustertrust.platform import elevation, winsession
from clustertrust.platform.runner import CommandResult

SUDO = elevation.Elevation(elevation.Method.SUDO, ("/usr/bin/sudo",))
PKEXEC = elevation.Elevation(elevation.Method.PKEXEC, ("/usr/bin/pkexec",))


def result(code: int, stderr: str = "") -> CommandResult:
    return CommandResult(("sudo",), code, "", stderr, 0.0)


@pytest.mark.parametrize(
    "stderr",
    [
        "sudo: 3 incorrect password attempts\n",  # sudo's English, for the record
        "",  # nothing at all: the decision does not need it
        "sudo: 3 essais de mot de passe incorrects\n",  # SYNTHETIC: any translation, made up
    ],
)
def test_sudo_refusal_is_its_exit_code_in_any_language(stderr: str) -> None:
    assert elevation.refused(SUDO, result(elevation.SUDO_OWN_FAILURE, stderr))


@pytest.mark.parametrize("code", [elevation.HELPER_FAILED, 2, 126, 127])
def test_the_helpers_own_failures_are_not_a_refusal(code: int) -> None:
    assert not elevation.refused(SUDO, result(code, "sudo: incorrect password\n"))


def test_the_helper_code_is_neither_sudos_nor_the_clis() -> None:
    assert elevation.HELPER_FAILED not in (0, 1, 2, 3, elevation.SUDO_OWN_FAILURE)


@pytest.mark.parametrize(("code", "refused"), [(126, True), (127, True), (1, False), (70, False)])
def test_pkexec_refusal_is_its_exit_code(code: int, refused: bool) -> None:
    assert elevation.refused(PKEXEC, result(code)) is refused


def test_no_elevation_never_refuses() -> None:
    assert not elevation.refused(elevation.Elevation(elevation.Method.DIRECT), result(1))


@pytest.mark.parametrize(
    ("platform", "uid", "elevated", "possible", "said"),
    [
        ("win32", 1000, False, False, "Run as administrator"),
        ("win32", 1000, True, True, ""),
        ("darwin", 501, False, False, "sudo clustertrust install --scope system"),
        ("darwin", 0, False, True, ""),
        ("linux", 0, False, True, ""),
    ],
)
def test_the_window_offers_the_system_scope_only_where_it_can_be_done(
    platform: str, uid: int, elevated: bool, possible: bool, said: str
) -> None:
    scope = elevation.system_scope_from_window(platform, uid, {}, lambda: elevated)
    assert scope.possible is possible
    assert said in scope.why_not and bool(scope.why_not) is not possible


def test_a_window_on_linux_needs_pkexec_and_a_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    """No terminal to answer sudo: without pkexec and a display there is no way from a window."""
    tools = {"pkexec": "/usr/bin/pkexec", "sudo": "/usr/bin/sudo"}
    monkeypatch.setattr(elevation, "find_tool", lambda name, *_: tools.get(name))
    assert elevation.system_scope_from_window("linux", 1000, {"DISPLAY": ":0"}).possible
    scope = elevation.system_scope_from_window("linux", 1000, {})
    assert not scope.possible and "pkexec" in scope.why_not
    del tools["pkexec"]
    assert not elevation.system_scope_from_window("linux", 1000, {"DISPLAY": ":0"}).possible


def test_off_windows_the_process_is_not_elevated() -> None:
    if sys.platform != "win32":
        assert not winsession.elevated()
