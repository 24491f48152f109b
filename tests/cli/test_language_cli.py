"""The command line speaks the user's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) in what a
person reads, while every --json document and exit code stays the same as in English: the same
commands run under LANG=C.UTF-8 and LANG=de_DE.UTF-8 against one HOME with real NSS databases."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import i18n

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import catalogs  # noqa: E402

LANGUAGES = {"en": "C.UTF-8", "de": "de_DE.UTF-8"}
VOLATILE = {"generated_at", "checked_at", "installed_at", "timings_ms", "lines"}  # clock, log


@pytest.fixture(autouse=True)
def compiled_catalogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    catalogs.compile_all()
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    yield
    i18n.use_languages([])


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("LANG", LANGUAGES[lang])
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def new_database(folder: Path) -> None:
    folder.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_json_and_exit_codes_are_the_same_in_german(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_dirs: Path,
    kurrent_tgz: Path,
) -> None:
    new_database(isolated_dirs / ".pki/nssdb")
    bundle = str(kurrent_tgz)
    assert run(capsys, monkeypatch, "en", "install", bundle, "--yes", "--json")[0] == 0
    commands = [
        ["inspect", bundle, "--json"],
        ["inspect", str(isolated_dirs / "missing.tar.gz"), "--json"],
        ["install", bundle, "--dry-run", "--json"],
        ["status", "--json"],
        ["repair", "--dry-run", "--json"],
        ["verify", f"https://127.0.0.1:{closed_port()}/", "--bundle", bundle, "--json"],
        ["report", "--json"],
    ]
    for argv in commands:
        code_en, out_en, _ = run(capsys, monkeypatch, "en", *argv)
        code_de, out_de, _ = run(capsys, monkeypatch, "de", *argv)
        assert code_de == code_en, argv
        assert steady(out_de) == steady(out_en), argv


def steady(out: str) -> object:
    """The document without what the clock changes between two runs."""

    def without(node: object) -> object:
        if isinstance(node, dict):
            return {k: without(v) for k, v in node.items() if k not in VOLATILE}
        if isinstance(node, list):
            return [without(v) for v in node]
        return node

    return without(json.loads(out))


def test_people_read_german_under_a_german_locale(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    isolated_dirs: Path,
    kurrent_tgz: Path,
) -> None:
    missing = str(isolated_dirs / "missing.tar.gz")
    code, _, err = run(capsys, monkeypatch, "de", "inspect", missing)
    assert code == 2
    assert f"clustertrust: {missing} existiert nicht.\nWas zu tun ist: Prüfen Sie den Pfad" in err
    code, out, _ = run(capsys, monkeypatch, "de", "inspect", str(kurrent_tgz))
    assert "Erkannt: Kurrent-Cloud-Bündel\n" in out
    assert "Befunde:\n" in out
    code, _, err = run(capsys, monkeypatch, "en", "inspect", missing)
    assert f"{missing} does not exist." in err
    report = isolated_dirs / "report.txt"
    assert run(capsys, monkeypatch, "de", "report", "-o", str(report))[0] == 0
    assert report.read_text(encoding="utf-8").startswith("ClusterTrust-Supportbericht\n")


def test_the_program_follows_language_before_lang(isolated_dirs: Path) -> None:
    """The real program in its own process: LANGUAGE=de wins over LANG=C.UTF-8, as in gettext."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(isolated_dirs), "LANG": "C.UTF-8", "LANGUAGE": "de"}
    missing = str(isolated_dirs / "missing.tar.gz")
    done = subprocess.run(
        [sys.executable, "-m", "clustertrust.cli.main", "inspect", missing],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "existiert nicht" in done.stderr
