"""Passwords never need the command line: --password-stdin, or a prompt that does not echo on a
terminal; the two options exclude each other; an empty stdin is a usage error."""

from __future__ import annotations

import io
import json
import os
import pty
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from clustertrust.cli.main import main
from clustertrust.core.actions.opening import remember_password
from support import pki
from support.cli_runs import cli, home_env
from support.cloud_server import MemoryKeyring

PASSWORD = "not-kurrent-Pw1"


@pytest.fixture(scope="module")
def p12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ca = pki.make_ca("pw CA", "p256")
    client = pki.make_leaf(ca, "pw client", "p256")
    path = tmp_path_factory.mktemp("p12") / "bundle.p12"
    path.write_bytes(pki.p12_bytes(client, [ca], password=PASSWORD.encode()))
    return path


def test_password_stdin_opens_the_bundle(p12: Path, tmp_path: Path) -> None:
    result = cli(tmp_path, "inspect", str(p12), "--password-stdin", "--json", stdin=PASSWORD + "\n")
    assert result.code == 0, result.err
    assert json.loads(result.out)["has_key"] is True


def test_a_password_the_wizard_remembered_opens_it_from_its_folder(
    p12: Path, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # GIVEN the wizard was asked to remember the bundle's password (by its full path)
    assert remember_password(str(p12), PASSWORD) == ""
    # WHEN the command is given the bundle by a relative path, no password option, no terminal
    monkeypatch.chdir(p12.parent)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    # THEN the remembered password opens it, as it does in the wizard
    assert main(["inspect", p12.name, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["has_key"] is True


def test_both_password_options_at_once_are_a_usage_error(p12: Path, tmp_path: Path) -> None:
    result = cli(
        tmp_path, "inspect", str(p12), "--password", "x", "--password-stdin", stdin=PASSWORD
    )
    assert result.code == 2


def test_an_empty_stdin_is_a_usage_error(p12: Path, tmp_path: Path) -> None:
    result = cli(tmp_path, "install", str(p12), "--password-stdin", "--yes", stdin="")
    assert result.code == 2


def test_without_a_terminal_a_needed_password_is_an_error_not_a_prompt(
    p12: Path, tmp_path: Path
) -> None:
    result = cli(tmp_path, "inspect", str(p12), "--json", stdin="")
    assert result.code == 2 and json.loads(result.out)["error"]["exit_code"] == 2


def test_on_a_terminal_the_password_is_asked_without_echo(p12: Path, tmp_path: Path) -> None:
    # GIVEN the command on a terminal (a pseudo-terminal), without any password option
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the command, with the pty as its controlling terminal
        os.execve(
            sys.executable,
            [sys.executable, "-m", "clustertrust.cli.main", "inspect", str(p12), "--json"],
            home_env(tmp_path),
        )
    # WHEN it asks and the password is typed
    seen = read_until(fd, b"not shown as you type")
    os.write(fd, PASSWORD.encode() + b"\n")
    rest = read_until(fd, b"")  # everything, until the command ends
    _, status = os.waitpid(pid, 0)
    # THEN the bundle opens and the typed password never appears on the terminal
    assert os.waitstatus_to_exitcode(status) == 0, (seen + rest).decode(errors="replace")
    assert b'"has_key": true' in rest
    assert PASSWORD.encode() not in seen + rest


def read_until(fd: int, marker: bytes, timeout: float = 120) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while (not marker or marker not in data) and time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data
