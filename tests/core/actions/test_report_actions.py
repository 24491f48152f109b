"""actions.save_report, the wizard's Save button and `clustertrust report -o` alike: the text or the
JSON document, a link planted at the path replaced (never followed), a clear InputError when the
folder cannot be written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clustertrust.core import actions
from clustertrust.core.errors import InputError
from support.machines import FakeMachine, MemoryStore


class Reported(FakeMachine):
    def facts(self) -> dict[str, Any]:
        return {"system": {"os": "Linux", "platform": "test", "wsl": False}, "stores": [],
                "tools": {}}  # fmt: skip


@pytest.fixture
def machine(tmp_path: Path) -> FakeMachine:
    return Reported(tmp_path / "ledger.json", lambda host: [MemoryStore()])


def test_the_report_is_saved_as_text_or_as_its_document(
    machine: FakeMachine, tmp_path: Path
) -> None:
    text = actions.save_report(machine, tmp_path / "report.txt")
    assert text == tmp_path / "report.txt" and "ClusterTrust" in text.read_text()
    document = actions.save_report(machine, tmp_path / "report.json", as_json=True)
    assert json.loads(document.read_text())["system"]["platform"] == "test"


def test_a_link_planted_at_the_path_is_replaced_not_followed(
    machine: FakeMachine, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    (tmp_path / "report.txt").symlink_to(victim)
    saved = actions.save_report(machine, tmp_path / "report.txt")
    assert victim.read_text() == "keep me" and not saved.is_symlink()


def test_a_folder_that_cannot_be_written_is_input_error(
    machine: FakeMachine, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="could not be written") as error:
        actions.save_report(machine, tmp_path / "no" / "such" / "report.txt")
    assert "Documents folder" in error.value.fix
