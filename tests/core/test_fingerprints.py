"""One rule for a fingerprint a person types, wherever it is typed (uninstall, renew --replaces,
configure --identity): at least 8 hex digits; case, colons and spaces ignored."""

from __future__ import annotations

import pytest
from clustertrust.core import certinfo
from clustertrust.core.actions.lifecycle import chosen
from clustertrust.core.errors import InputError
from clustertrust.core.install import renewal
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Kind, Record, Scope, record_for
from support import pki


@pytest.fixture
def installed(tmp_path, kurrent: pki.KurrentBundle) -> tuple[Ledger, Record]:  # type: ignore[no-untyped-def]
    ledger = Ledger(tmp_path / "ledger.json")
    record = record_for(kurrent.ca.cert, Kind.CA, "nss", "db", "n", Scope.USER)
    return ledger, ledger.mark_done(record)


def typed(sha256: str, digits: int) -> str:
    """As a person copies it from `status`: upper case, colon-separated pairs."""
    prefix = sha256[:digits].upper()
    return ":".join(prefix[i : i + 2] for i in range(0, len(prefix), 2))


@pytest.mark.parametrize("digits", [8, 20, 64])
def test_the_same_typed_fingerprint_finds_the_same_item_everywhere(
    installed: tuple[Ledger, Record], digits: int
) -> None:
    ledger, record = installed
    text = typed(record.sha256, digits)
    assert ledger.find(text) == [record]
    assert chosen(ledger, [text]) == [record]
    (cluster,) = renewal._named_clusters(renewal._clusters(ledger), [text])
    assert cluster.records == [record]


@pytest.mark.parametrize("text", ["", "abc", "AB:CD:EF:0", "zzzzzzzzzz", "1" * 65])
def test_too_short_or_not_hex_is_refused_everywhere(
    installed: tuple[Ledger, Record], text: str
) -> None:
    ledger, _record = installed
    with pytest.raises(InputError, match="not a SHA-256 fingerprint"):
        certinfo.fingerprint_prefix(text)
    with pytest.raises(InputError):
        chosen(ledger, [text])
    with pytest.raises(InputError):
        renewal._named_clusters(renewal._clusters(ledger), [text])
