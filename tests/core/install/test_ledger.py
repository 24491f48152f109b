"""The ledger: atomic JSON in the user state folder, intent/done, one record per item, and a
damaged file is reported, never overwritten."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from clustertrust.core import paths
from clustertrust.core.install.ledger import Ledger, LedgerError, default_path
from clustertrust.core.model import Kind, Record, Scope, record_for


@pytest.fixture
def record(kurrent) -> Record:  # type: ignore[no-untyped-def]
    return record_for(kurrent.ca.cert, Kind.CA, "nss", "/tmp/db", "nick", Scope.USER)


def test_default_ledger_lives_in_the_user_state_folder(isolated_dirs: Path) -> None:
    assert default_path() == paths.state_dir() / "ledger.json"
    assert str(default_path()).startswith(str(isolated_dirs))


def test_intent_then_done_keeps_one_record_with_every_field(record: Record) -> None:
    ledger = Ledger()
    ledger.write_intent(replace(record, source="bundle.tar.gz"))
    assert [r.state for r in ledger.records()] == ["intent"]
    ledger.mark_done(ledger.records()[0])
    ledger.write_intent(record)  # installing the same item again
    ledger.mark_done(ledger.records()[0])
    (only,) = Ledger().records()
    assert only.state == "done"
    assert only.sha256 == record.sha256 and len(only.sha256) == 64
    assert only.subject == "d4f2example-ca" and only.not_after.startswith("20")
    assert (only.store, only.location, only.scope) == ("nss", "/tmp/db", "user")
    assert only.installed_at


def test_reinstall_keeps_the_first_install_time(record: Record) -> None:
    ledger = Ledger()
    first = ledger.mark_done(
        replace(ledger.write_intent(record), installed_at="2020-01-01T00:00:00+00:00")
    )
    again = ledger.write_intent(record)
    assert again.installed_at == first.installed_at


def test_the_file_is_json_replaced_atomically_with_a_backup(record: Record) -> None:
    ledger = Ledger()
    ledger.write_intent(record)
    ledger.mark_done(record)
    document = json.loads(ledger.path.read_text())
    assert document["format"] == 1 and document["records"][0]["state"] == "done"
    backup = json.loads(ledger.path.with_name("ledger.json.bak").read_text())
    assert backup["records"][0]["state"] == "intent"
    leftovers = [p for p in os.listdir(ledger.path.parent) if p.startswith(".ledger-")]
    assert leftovers == []


def test_find_by_fingerprint_prefix_with_colons(record: Record) -> None:
    ledger = Ledger()
    ledger.mark_done(record)
    pretty = ":".join(record.sha256[i : i + 2] for i in range(0, 16, 2)).upper()
    assert ledger.find(pretty) == ledger.records()
    assert ledger.find("00" * 8 if not record.sha256.startswith("00") else "ff" * 8) == []


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        '{"format": 99, "records": []}',
        '{"format": 1, "records": [{"sha256": "x"}]}',
        "[]",
        '{"format": 1}',
    ],
)
def test_a_damaged_ledger_is_reported_and_left_untouched(record: Record, damage: str) -> None:
    ledger = Ledger()
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_text(damage)
    with pytest.raises(LedgerError) as raised:
        ledger.records()
    assert str(ledger.path) in raised.value.message and "damaged" in raised.value.message
    assert "move it aside" in raised.value.fix
    with pytest.raises(LedgerError):
        ledger.write_intent(record)  # never silently replaced by a ledger without the old records
    assert ledger.path.read_text() == damage


def test_a_damaged_ledger_points_to_its_backup(record: Record) -> None:
    ledger = Ledger()
    ledger.mark_done(record)
    ledger.mark_done(replace(record, location="/tmp/other"))
    ledger.path.write_text("garbage")
    with pytest.raises(LedgerError) as raised:
        ledger.records()
    assert "ledger.json.bak" in raised.value.fix
    assert raised.value.exit_code == 1


def test_remove_drops_only_that_item(record: Record) -> None:
    ledger = Ledger()
    other = replace(record, location="/tmp/other")
    ledger.mark_done(record)
    ledger.mark_done(other)
    ledger.remove(record)
    assert ledger.records() == [replace(other, state="done")]


def test_days_left_comes_from_not_after(record: Record) -> None:
    assert 85 <= record.days_left() <= 90


def test_a_ledger_written_before_renewal_links_were_kept_still_reads(record: Record) -> None:
    """Records without `renews` (and the other fields added since) read as "none recorded";
    a record that has one keeps it through a rewrite."""
    ledger = Ledger()
    ledger.mark_done(ledger.write_intent(record))
    document = json.loads(ledger.path.read_text())
    for added in ("renews", "trust_host", "ca_sha256", "issuer"):
        del document["records"][0][added]
    ledger.path.write_text(json.dumps(document))
    (old,) = ledger.records()
    assert old.renews == "" and old.key == record.key
    ledger.mark_done(replace(old, renews="ab" * 32))
    assert [r.renews for r in Ledger().records()] == ["ab" * 32]


def test_a_rewrite_without_the_renewal_link_keeps_the_one_recorded(record: Record) -> None:
    """Repair puts a renewed CA back from a plan that knows nothing of the renewal: the link that
    tells the old same-named CA is replaced must survive, or Repair would put the old one back."""
    ledger = Ledger()
    ledger.mark_done(ledger.write_intent(replace(record, renews="ab" * 32)))
    again = ledger.mark_done(ledger.write_intent(record))  # put back by a plan with no link
    assert again.renews == "ab" * 32
    assert [r.renews for r in Ledger().records()] == ["ab" * 32]
