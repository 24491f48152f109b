"""A cluster's whole life through the real `clustertrust` command, checked in every browser
database with certutil and with a real browser: Chromium's ~/.pki/nssdb and two Firefox profiles
(real NSS databases) in the test's HOME; nginx on one port demanding a client certificate and
logging which one each request came with; headless Firefox ESR on one profile per step.

install A (CA1 + client1) -> renew, same CA (CA1 + client2) -> renew, new CA (CA2, same name,
+ client3) -> a profile loses its client certificate and key -> repair -> uninstall. After each
step every database holds exactly the cluster's current CA (trusted C) and client certificate
with its key, nothing old, and `status` calls each consumer ok exactly when it is."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.errors import CommandError
from clustertrust.core.model import Record
from clustertrust.core.source import https
from clustertrust.platform.nss import NssStore
from support import browsers, pki
from support.https_server import Route, make_server_pki, serve_https
from support.rotation import (
    CA_NAME,
    CLIENT_NAME,
    DEFAULT,
    LATE,
    REAL_BROWSERS,
    WORK,
    Life,
    assert_holding,
    client_of,
    firefox_reaches,
    firefox_refused,
    identity_folders,
    set_up_consumers,
)

pytestmark = REAL_BROWSERS


def clustertrust(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def run_ok(capsys: pytest.CaptureFixture[str], *argv: str) -> None:
    code, said = clustertrust(capsys, *argv)
    assert code == 0, f"clustertrust {' '.join(argv)}: exit {code}\n{said}"


def consumers(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """`status --json`: each consumer's state, for the one cluster installed."""
    code, out = clustertrust(capsys, "status", "--json")
    assert code == 0, out
    clusters = json.loads(out)["clusters"]
    assert len(clusters) == 1, [c["name"] for c in clusters]
    return {c["name"]: c["state"] for c in clusters[0]["consumers"]}


def test_install_renew_twice_break_repair_uninstall_in_every_browser(
    capsys: pytest.CaptureFixture[str],
    life: Life,
) -> None:
    r, ui, home = life.rotation, life.cluster.ui, life.home
    default, work = life.dbs[DEFAULT], life.dbs[WORK]
    bundle_a = life.bundle("a", r.ca1, r.client1)
    bundle_b = life.bundle("b", r.ca1, r.client2)
    bundle_c = life.bundle("c", r.ca2, r.client3)

    run_ok(capsys, "install", str(bundle_a), "--yes", "--json")
    run_ok(capsys, "verify", ui.url, "--json")  # the UI address, remembered for the renewals
    assert_holding(life.dbs, r.ca1, r.client1, "the install")
    assert consumers(capsys) == set_up_consumers(life.dbs)
    (folder,) = identity_folders()
    firefox_reaches(home, default, ui, r.client1)

    run_ok(capsys, "renew", str(bundle_b), "--yes", "--json")
    assert_holding(life.dbs, r.ca1, r.client2, "the same-CA renewal")
    assert consumers(capsys) == set_up_consumers(life.dbs)
    assert identity_folders() == {folder: r.client2.cert_pem}  # client settings keep working
    firefox_reaches(home, work, ui, r.client2)

    life.cluster.serve(r.server2, r.ca2)  # the cluster moved to its new CA first
    run_ok(capsys, "renew", str(bundle_c), "--yes", "--json")
    assert_holding(life.dbs, r.ca2, r.client3, "the new-CA renewal")
    assert consumers(capsys) == set_up_consumers(life.dbs)
    assert identity_folders() == {folder: r.client3.cert_pem}
    firefox_reaches(home, default, ui, r.client3)

    (nick,) = [n for n, flags in browsers.nicknames(work).items() if "u" in flags]
    browsers.delete(work, nick, with_key=True)  # as a person would in the certificate manager
    assert browsers.held(work) == browsers.expected([r.ca2.cert], [])
    broken = set_up_consumers(life.dbs) | {WORK: "missing"}
    assert consumers(capsys) == broken

    run_ok(capsys, "repair", "--yes", "--json")
    assert_holding(life.dbs, r.ca2, r.client3, "the repair")
    assert consumers(capsys) == set_up_consumers(life.dbs)
    firefox_reaches(home, work, ui, r.client3)

    run_ok(capsys, "uninstall", "--all", "--yes")
    assert_holding(life.dbs, None, None, "the uninstall")
    assert identity_folders() == {}
    firefox_refused(home, default, ui)


@pytest.fixture
def late_profile(capsys: pytest.CaptureFixture[str], life: Life) -> Path:
    """Installed, then a Firefox profile made (and started once) afterwards."""
    bundle = life.bundle("a", life.rotation.ca1, life.rotation.client1)
    run_ok(capsys, "install", str(bundle), "--yes")
    return browsers.add_firefox_profile(life.home, "late")


def test_status_says_that_repair_covers_a_profile_made_after_the_install(
    capsys: pytest.CaptureFixture[str], late_profile: Path
) -> None:
    code, said = clustertrust(capsys, "status")
    shown = "\n".join(line for line in said.splitlines() if not line.startswith("    "))
    assert code == 0, said
    assert "repair" in shown.lower(), shown  # (the items' own lines name the bundle's path)


def test_verify_says_that_repair_covers_a_profile_made_after_the_install(
    capsys: pytest.CaptureFixture[str],
    life: Life,
    late_profile: Path,
) -> None:
    _, out = clustertrust(capsys, "verify", life.cluster.ui.url, "--json")
    late = next(c for c in json.loads(out)["consumers"] if c["name"] == LATE)
    assert late["outcome"] == "not_set_up" and not late["ok"], late
    assert "clustertrust repair" in late["fix"], late["fix"]


def test_a_profile_made_after_the_install_is_not_set_up_until_repair_covers_it(
    capsys: pytest.CaptureFixture[str],
    life: Life,
    late_profile: Path,
) -> None:
    life.dbs[LATE] = late_profile
    assert consumers(capsys) == set_up_consumers(life.dbs) | {LATE: "not_covered"}
    run_ok(capsys, "repair", "--yes", "--json")
    assert_holding(life.dbs, life.rotation.ca1, life.rotation.client1, "the repair")
    assert consumers(capsys) == set_up_consumers(life.dbs)
    firefox_reaches(life.home, late_profile, life.cluster.ui, life.rotation.client1)


@pytest.mark.parametrize(
    "same_second",
    [
        False,
        True,
    ],
    ids=["new CA issued later", "new CA issued in the same second"],
)
def test_a_renewal_the_cluster_does_not_accept_yet_changes_nothing(
    capsys: pytest.CaptureFixture[str],
    life: Life,
    same_second: bool,
) -> None:
    r = life.rotation
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    run_ok(capsys, "verify", life.cluster.ui.url)
    ledger = life.home / ".local/state/clustertrust/ledger.json"
    before = ledger.read_text(), identity_folders()
    ca, client = r.ca2, r.client3
    if same_second:
        ca = pki.make_ca(CA_NAME, not_before=r.server1.cert.not_valid_before_utc)
        client = client_of(ca, ca.cert.not_valid_before_utc)

    # the server still has its certificate from CA1: it does not accept the new CA's bundle
    code, said = clustertrust(capsys, "renew", str(life.bundle("c", ca, client)), "--yes")
    assert code == 1, said
    assert_holding(life.dbs, r.ca1, r.client1, "the refused renewal")
    assert (ledger.read_text(), identity_folders()) == before
    assert consumers(capsys) == set_up_consumers(life.dbs)
    assert "has not moved to the new CA yet" in said, said[-600:]


def test_the_renewal_plan_says_the_cluster_is_checked_before_anything_changes(
    capsys: pytest.CaptureFixture[str],
    life: Life,
) -> None:
    r, url = life.rotation, life.cluster.ui.url
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    run_ok(capsys, "verify", url)
    code, said = clustertrust(capsys, "renew", str(life.bundle("b", r.ca1, r.client2)), "--dry-run")
    lines = said.splitlines()
    assert code == 0, said
    check = next(n for n, line in enumerate(lines) if url in line)
    first_change = next(n for n, line in enumerate(lines) if line.startswith("1. "))
    assert check < first_change, "\n".join(lines[: check + 1])


def test_a_same_ca_renewal_named_by_the_ca_fingerprint_replaces_only_the_identity(
    capsys: pytest.CaptureFixture[str],
    life: Life,
) -> None:
    r = life.rotation
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    run_ok(capsys, "verify", life.cluster.ui.url)
    bundle_b, ca = life.bundle("b", r.ca1, r.client2), browsers.sha256(r.ca1.cert)
    run_ok(capsys, "renew", str(bundle_b), "--replaces", ca, "--yes")
    assert_holding(life.dbs, r.ca1, r.client2, "the renewal")
    assert consumers(capsys) == set_up_consumers(life.dbs)


def test_a_new_ca_renewal_from_a_link(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, life: Life
) -> None:
    """`renew https://…`: the real download (this test's server CA stands in for the system
    trust a download uses), then the same renewal as from a file."""
    r = life.rotation
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    run_ok(capsys, "verify", life.cluster.ui.url)
    life.cluster.serve(r.server2, r.ca2)
    downloads = make_server_pki(life.tmp / "downloads")
    monkeypatch.setattr(https, "system_context", downloads.client_context)
    body = life.bundle("c", r.ca2, r.client3).read_bytes()
    with serve_https(downloads, {"/renewed.tar.gz": Route(body=body)}) as (base, seen):
        run_ok(capsys, "renew", f"{base}/renewed.tar.gz", "--yes")
    assert [s["path"] for s in seen] == ["/renewed.tar.gz"]
    assert_holding(life.dbs, r.ca2, r.client3, "the renewal from a link")
    assert consumers(capsys) == set_up_consumers(life.dbs)
    firefox_reaches(life.home, life.dbs[DEFAULT], life.cluster.ui, r.client3)


def test_verify_names_the_old_client_a_renewal_left_behind_and_its_command_removes_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, life: Life
) -> None:
    """A same-CA renewal whose removal of the old client from the browsers fails: verify says
    ✓ (the new client works) and names the old one with the command that removes it."""
    r, url = life.rotation, life.cluster.ui.url
    bundle_b = life.bundle("b", r.ca1, r.client2)
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    run_ok(capsys, "verify", url)
    renew_failing_removal(capsys, monkeypatch, bundle_b)
    assert_holding(life.dbs, r.ca1, r.client2, "the failed removal", (r.client1,))
    assert consumers(capsys) == set_up_consumers(life.dbs)  # each works with the new client

    command = older_command(capsys, url, bundle_b)
    assert command == f"clustertrust uninstall {browsers.sha256(r.client1.cert)[:16]}"
    run_ok(capsys, *command.split()[1:], "--yes")
    assert_holding(life.dbs, r.ca1, r.client2, "the removal it names")
    assert older_command(capsys, url, bundle_b) == ""


def test_verify_names_the_old_ca_a_new_ca_renewal_left_behind(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, life: Life
) -> None:
    r, url = life.rotation, life.cluster.ui.url
    bundle_c = life.bundle("c", r.ca2, r.client3)
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    run_ok(capsys, "verify", url)
    life.cluster.serve(r.server2, r.ca2)
    renew_failing_removal(capsys, monkeypatch, bundle_c)
    assert_holding(life.dbs, r.ca2, r.client3, "the failed removal", (r.ca1, r.client1))
    code, out = clustertrust(capsys, "status", "--json")
    assert code == 0, out
    shown = {c["ca"]["sha256"]: c["superseded"] for c in json.loads(out)["clusters"]}
    assert shown == {browsers.sha256(r.ca1.cert): True, browsers.sha256(r.ca2.cert): False}
    said = clustertrust(capsys, "status")[1]
    assert said.count("replaced by a newer CA of the same name") == 1, said

    command = older_command(capsys, url, bundle_c)
    old = {browsers.sha256(i.cert)[:16] for i in (r.ca1, r.client1)}
    assert set(command.split()[2:]) == old, command
    run_ok(capsys, *command.split()[1:], "--yes")
    assert_holding(life.dbs, r.ca2, r.client3, "the removal it names")
    assert consumers(capsys) == set_up_consumers(life.dbs)


def test_status_names_the_old_client_a_renewal_left_behind_and_its_command_removes_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, life: Life
) -> None:
    """`status` after a same-CA renewal whose removal of the old client failed: the cluster is
    set up with the new client, and under it `status` names the old one in each browser with
    the command that removes exactly it (text, German text and --json); that command works."""
    r = life.rotation
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    run_ok(capsys, "install", str(life.bundle("a", r.ca1, r.client1)), "--yes")
    assert older_in_status(capsys) == ([], "")  # nothing left behind before a renewal
    renew_failing_removal(capsys, monkeypatch, life.bundle("b", r.ca1, r.client2))
    assert_holding(life.dbs, r.ca1, r.client2, "the failed removal", (r.client1,))
    old = browsers.sha256(r.client1.cert)

    older, said = older_in_status(capsys)
    assert {(o["sha256"], o["kind"]) for o in older} == {(old, "identity")}, older
    assert sorted(o["location"] for o in older) == sorted(str(db) for db in life.dbs.values())
    command = f"clustertrust uninstall {old[:16]}"
    assert f"Run: {command}" in said and said.count(command) == 1, said
    assert said.count(f"{CLIENT_NAME} [client certificate and key] in ") >= len(life.dbs), said
    assert german_status(capsys, monkeypatch).count(f"Ausführen: {command}") == 1

    run_ok(capsys, *command.split()[1:], "--yes")
    assert_holding(life.dbs, r.ca1, r.client2, "the removal status names")
    assert older_in_status(capsys) == ([], "")
    assert consumers(capsys) == set_up_consumers(life.dbs)


def older_in_status(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, str]], str]:
    """`status --json`'s older certificates of the one current cluster, and `status`'s text
    from its older certificates on ("" when it names none)."""
    code, out = clustertrust(capsys, "status", "--json")
    assert code == 0, out
    (cluster,) = [c for c in json.loads(out)["clusters"] if not c["superseded"]]
    code, said = clustertrust(capsys, "status")
    assert code == 0, said
    heading = "Older certificates a renewal left behind:"
    assert said.count(heading) == (1 if cluster["older"] else 0), said
    return cluster["older"], said.partition(heading)[1] + said.partition(heading)[2]


def german_status(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
    import catalogs

    catalogs.compile_all()
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    try:
        code, said = clustertrust(capsys, "status")
    finally:
        monkeypatch.setenv("LANG", "C.UTF-8")
    assert code == 0, said
    assert "Ältere Zertifikate, die eine Erneuerung zurückgelassen hat:" in said, said
    return said


def renew_failing_removal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, bundle: Path
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr(NssStore, "_delete", refuse)
        code, said = clustertrust(capsys, "renew", str(bundle), "--yes")
    assert code == 1 and "could not be removed" in said, said


def older_command(capsys: pytest.CaptureFixture[str], url: str, bundle: Path) -> str:
    """`verify --bundle` is ✓; the command its note gives for what a renewal left ("" none)."""
    code, out = clustertrust(capsys, "verify", url, "--bundle", str(bundle), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"], out
    return report["note"].partition("Run: ")[2]


def refuse(store: NssStore, record: Record) -> None:
    """A certutil that exits with an error (no output is claimed: only the failure matters)."""
    raise CommandError(("certutil", "-F"), 255, "")


@pytest.fixture(scope="module")
def elsewhere() -> tuple[pki.Issued, pki.Issued]:
    """Another cluster's CA, and its client certificate with the same name as ours (generic
    names such as `admin` do that): NSS files both under one nickname."""
    ca = pki.make_ca("elsewhere-ca")
    return ca, pki.make_leaf(ca, CLIENT_NAME)


def test_renewing_one_cluster_leaves_another_with_a_same_named_client_as_it_was(
    capsys: pytest.CaptureFixture[str],
    life: Life,
    elsewhere: tuple[pki.Issued, pki.Issued],
) -> None:
    r, url = life.rotation, life.cluster.ui.url
    bundle_a = life.bundle("a", r.ca1, r.client1)
    run_ok(capsys, "install", str(life.bundle("x", *elsewhere)), "--yes")
    run_ok(capsys, "install", str(bundle_a), "--yes")
    run_ok(capsys, "verify", url, "--bundle", str(bundle_a))
    assert_holding(life.dbs, r.ca1, r.client1, "the installs", elsewhere)

    run_ok(capsys, "renew", str(life.bundle("b", r.ca1, r.client2)), "--yes")
    assert_holding(life.dbs, r.ca1, r.client2, "the same-CA renewal", elsewhere)
    life.cluster.serve(r.server2, r.ca2)
    run_ok(capsys, "renew", str(life.bundle("c", r.ca2, r.client3)), "--yes")
    assert_holding(life.dbs, r.ca2, r.client3, "the new-CA renewal", elsewhere)
    ours = [browsers.sha256(r.ca2.cert), browsers.sha256(r.client3.cert)]
    run_ok(capsys, "uninstall", *ours, "--yes")
    assert_holding(life.dbs, None, None, "the removal of ours", elsewhere)


def test_verify_checks_the_cluster_whose_address_it_is_given(
    capsys: pytest.CaptureFixture[str],
    life: Life,
    elsewhere: tuple[pki.Issued, pki.Issued],
) -> None:
    url = life.cluster.ui.url
    bundle_a = life.bundle("a", life.rotation.ca1, life.rotation.client1)
    run_ok(capsys, "install", str(bundle_a), "--yes")
    run_ok(capsys, "verify", url)  # remembered for this cluster
    time.sleep(1.1)  # the ledger keeps install times to the second: the other one is newer
    run_ok(capsys, "install", str(life.bundle("x", *elsewhere)), "--yes")
    run_ok(capsys, "verify", url)
