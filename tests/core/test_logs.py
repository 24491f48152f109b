"""The rotating log: where it is, what the runner writes there, what never gets in."""

from __future__ import annotations

import logging
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import logs, paths
from clustertrust.platform.runner import CommandError, SubprocessRunner
from support import pki


@pytest.fixture(autouse=True)
def detach_handlers() -> Iterator[None]:
    yield
    logger = logging.getLogger(logs.LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


def test_log_file_lives_in_the_user_log_folder_readable_by_the_user_only(
    isolated_dirs: Path,
) -> None:
    logs.setup_logging()
    path = logs.log_path()
    logging.getLogger("clustertrust.test").info("hello")
    assert path == paths.log_dir() / "clustertrust.log"
    assert str(path).startswith(str(isolated_dirs))
    assert "hello" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_command_is_logged_with_exit_code_and_duration_and_secrets_redacted() -> None:
    # GIVEN the log is set up, WHEN the runner runs real commands with a secret in argv
    logs.setup_logging()
    path = logs.log_path()
    runner = SubprocessRunner()
    runner.run([sys.executable, "-c", "print('ok')", "pw=hunter2secret"], secrets=["hunter2secret"])
    with pytest.raises(CommandError):
        runner.run([sys.executable, "-c", "raise SystemExit(3)"])
    text = path.read_text()
    # THEN each command, its exit code and its duration are there, and the secret is not
    assert "-> exit 0 in" in text and "-> exit 3 in" in text
    assert "pw=***" in text
    assert "hunter2secret" not in text


def test_key_material_and_registered_secrets_never_reach_the_file(
    kurrent: pki.KurrentBundle,
) -> None:
    logs.setup_logging()
    path = logs.log_path()
    logs.register_secret("s3cr3t-token-value")
    key_pem = kurrent.client.key_pem().decode()
    log = logging.getLogger("clustertrust.test")
    log.warning("careless: %s and %s", key_pem, "s3cr3t-token-value")
    log.info("Authorization: Bearer eyJhbGciOi.abc.def")
    text = path.read_text()
    assert "PRIVATE KEY" not in text and key_pem.splitlines()[1] not in text
    assert "s3cr3t-token-value" not in text and "eyJhbGciOi" not in text
    assert "[private key removed]" in text


def test_the_log_rotates_and_keeps_a_bounded_number_of_files(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 4000)
    logs.setup_logging()
    path = logs.log_path()
    log = logging.getLogger("clustertrust.test")
    for number in range(400):
        log.info("line %04d %s", number, "x" * 60)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == [
        "clustertrust.log",
        "clustertrust.log.1",
        "clustertrust.log.2",
        "clustertrust.log.3",
    ]
    assert all(stat.S_IMODE((path.parent / f).stat().st_mode) == 0o600 for f in files)
    assert logs.last_lines(2)[-1].endswith("line 0399 " + "x" * 60)


def test_last_lines_of_a_missing_log_is_empty() -> None:
    assert logs.last_lines() == []


def test_verbose_mirrors_the_log_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    # the runner logs through the same logger, so a command run after `-v` shows up on stderr
    assert main(["--verbose", "status", "--json"]) == 0
    SubprocessRunner().run([sys.executable, "-c", "pass"])
    err = capsys.readouterr().err
    assert "clustertrust.runner: ran" in err and "-> exit 0 in" in err


def test_without_verbose_stderr_stays_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--json"]) == 0
    SubprocessRunner().run([sys.executable, "-c", "pass"])
    assert capsys.readouterr().err == ""
    assert "-> exit 0 in" in logs.log_path().read_text()
