"""The command line speaks the user's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) in what a
person reads, while every --json document and exit code stays the same as in English: the same
commands run under LANG=C.UTF-8 and LANG=de_DE.UTF-8 against one HOME with real NSS databases."""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.cli.commands import build_parser
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
    assert "Erkannt: Kurrent-Cloud-Bundle\n" in out
    assert "Befunde:\n" in out
    code, _, err = run(capsys, monkeypatch, "en", "inspect", missing)
    assert f"{missing} does not exist." in err
    report = isolated_dirs / "report.txt"
    assert run(capsys, monkeypatch, "de", "report", "-o", str(report))[0] == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith("ClusterTrust-Supportbericht\n")
    title = "  Identitätsdateien für Kommandozeilen-Clients [identity-files]: "  # a store's title
    assert title in text
    code, out, _ = run(
        capsys, monkeypatch, "de", "install", str(kurrent_tgz), "--dry-run", "--stores", "files"
    )
    assert code == 0 and "/ca.crt schreiben\n" in out  # the commands a plan step shows
    assert "rückgängig: wiederherstellen, was " in out and " vorher enthielt\n" in out


def test_the_helpdesk_lines_read_german(monkeypatch: pytest.MonkeyPatch) -> None:
    from clustertrust.core.report.diagnostics import diagnostics

    i18n.use_languages(["de"])
    assert diagnostics([], "Linux").endswith(" unter Linux\nKein Cluster installiert.")


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


# Help that stays English, each with its reason.
ENGLISH_HELP = {
    "privileged": "the root helper's own arguments: no help, only ClusterTrust calls it",
}


def help_texts(parser: argparse.ArgumentParser, path: str = "clustertrust") -> dict[str, str]:
    """Every text --help shows for `parser` and its commands, by where it is shown."""
    texts = {f"{path}: description": parser.description or ""}
    texts[f"{path}: usage"] = parser.format_usage().split(" ", 1)[0]
    for number, group in enumerate(parser._action_groups):
        texts[f"{path}: group {number}"] = group.title or ""
    for action in parser._actions:
        texts[f"{path} {'/'.join(action.option_strings) or action.dest}"] = action.help or ""
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest not in ENGLISH_HELP:
                    texts[f"{path} {choice.dest}: help"] = choice.help or ""
            for name, command in action.choices.items():
                if name not in ENGLISH_HELP:
                    texts |= help_texts(command, f"{path} {name}")
    return texts


def test_every_help_text_reads_german_under_a_german_locale() -> None:
    """argparse's words around ours included ("usage:", the section titles, -h): a help text
    the same in both languages is one that bypasses the catalog."""
    in_english = help_texts(build_parser(["--help"]))
    i18n.use_languages(["de"])
    in_german = help_texts(build_parser(["--help"]))
    same = [f"{where}: {text}" for where, text in in_english.items() if in_german[where] == text]
    assert [line for line in same if re.search("[a-z]{3}", line.split(": ", 1)[1])] == []
    assert in_german["clustertrust: usage"] == "Aufruf:"
    assert len(in_english) > 80


def test_a_bad_command_line_is_told_in_german_with_the_same_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for lang in LANGUAGES:
        monkeypatch.setenv("LANG", LANGUAGES[lang])
        with pytest.raises(SystemExit) as exited:
            main(["install"])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert ("Aufruf: clustertrust install" in err) == (lang == "de")
        assert ("clustertrust install: Fehler:" in err) == (lang == "de")
        assert ("usage: clustertrust install" in err) == (lang == "en")


def program(lang: str, *argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The real program in its own process under LANG=`lang` (LANGUAGE and LC_* unset)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": LANGUAGES[lang]}
    return subprocess.run(
        [sys.executable, "-m", "clustertrust.cli.main", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_argparse_complains_in_german_with_the_same_exit_code(isolated_dirs: Path) -> None:
    """argparse's own complaints, not only the words around them: a missing argument, an
    unknown command and an unknown option, each exit code 2 in both languages."""
    expected = {
        ("install",): (
            "clustertrust install: Fehler: die folgenden Argumente fehlen: source\n",
            "clustertrust install: error: the following arguments are required: source\n",
        ),
        ("frobnicate",): (
            "clustertrust: Fehler: Argument COMMAND: ungültige Auswahl: 'frobnicate' (möglich sind",
            "clustertrust: error: argument COMMAND: invalid choice: 'frobnicate' (choose from",
        ),
        ("status", "--bogus"): (
            "clustertrust: Fehler: unbekannte Argumente: --bogus\n",
            "clustertrust: error: unrecognized arguments: --bogus\n",
        ),
        ("install", "bundle.zip", "--scope"): (
            "clustertrust install: Fehler: Argument --scope: erwartet ein Argument\n",
            "clustertrust install: error: argument --scope: expected one argument\n",
        ),
    }
    for argv, (german, english) in expected.items():
        de = program("de", *argv, home=isolated_dirs)
        en = program("en", *argv, home=isolated_dirs)
        assert (de.returncode, en.returncode) == (2, 2), argv
        assert german in de.stderr and de.stderr.startswith("Aufruf: clustertrust"), de.stderr
        assert english in en.stderr and en.stderr.startswith("usage: clustertrust"), en.stderr
        assert de.stdout == en.stdout == ""


def argparse_messages() -> set[str | tuple[str, ...]]:
    """Every message argparse.py of the running Python looks up through `_` or `ngettext`."""
    tree = ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))
    found: set[str | tuple[str, ...]] = set()
    for node in ast.walk(tree):
        name = getattr(getattr(node, "func", None), "id", None)
        if isinstance(node, ast.Call) and name in ("_", "ngettext"):
            texts = [text for argument in node.args for text in literals(argument)]
            found.update([tuple(texts)] if name == "ngettext" else texts)
    return found


def literals(argument: ast.expr) -> list[str]:
    """The message in `argument`: a string, or the default of a kwargs.pop(name, default)."""
    if isinstance(argument, ast.Call) and len(argument.args) == 2:
        argument = argument.args[1]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return [argument.value]
    return []


def test_the_catalog_holds_every_message_of_this_pythons_argparse() -> None:
    from clustertrust.cli import argparse_words

    assert argparse_messages() == set(argparse_words.WORDS) | set(argparse_words.PLURAL_WORDS)
    i18n.use_languages(["de"])
    untranslated = [w for w in argparse_words.WORDS if i18n.tr(w) == w]
    untranslated += [p for s, p in argparse_words.PLURAL_WORDS if i18n.tr_n(s, p, 2) == p]
    assert untranslated == []


def test_other_argparse_users_in_the_process_stay_as_they_were(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Only ClusterTrust's own parsers take their words from its catalog."""
    from clustertrust.cli import argparse_words  # noqa: F401 (routes argparse's lookups)

    i18n.use_languages(["de"])
    other = argparse.ArgumentParser(prog="other")
    other.add_argument("name")
    with pytest.raises(SystemExit) as exited:
        other.parse_args([])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "other: error: the following arguments are required: name\n" in err
    assert "usage: other" in err
    assert "options:" in other.format_help()
