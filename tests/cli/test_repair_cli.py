"""`clustertrust repair` and `status` by cluster, against real NSS databases (certutil) in the
test's own HOME: a CA deleted from Chromium's database by hand, a Firefox profile created after the
install."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from support import pki


def new_database(folder: Path) -> Path:
    folder.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    return folder


def listing(db: Path) -> str:
    return subprocess.run(
        ["certutil", "-L", "-d", f"sql:{db}"], capture_output=True, text=True, check=True
    ).stdout


def add_firefox_profile(home: Path, name: str = "default-release") -> Path:
    root = home / ".mozilla/firefox"
    profile = new_database(root / f"abcd1234.{name}")
    (root / "profiles.ini").write_text(
        f"[Profile0]\nName={name}\nIsRelative=1\nPath={profile.name}\n", encoding="utf-8"
    )
    return profile


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def chromium(isolated_dirs: Path) -> Path:
    return new_database(isolated_dirs / ".pki/nssdb")


@pytest.fixture
def installed(capsys: pytest.CaptureFixture[str], chromium: Path, kurrent_tgz: Path) -> Path:
    code, _, err = run(capsys, "install", str(kurrent_tgz), "--yes")
    assert code == 0, err
    return chromium


def delete_ca_by_hand(db: Path) -> None:
    nickname = next(line for line in listing(db).splitlines() if "d4f2example-ca" in line)
    subprocess.run(
        ["certutil", "-D", "-d", f"sql:{db}", "-n", nickname.rsplit(None, 1)[0].strip()],
        check=True,
    )


def test_status_json_groups_items_by_cluster_and_consumer(
    capsys: pytest.CaptureFixture[str], installed: Path, isolated_dirs: Path
) -> None:
    add_firefox_profile(isolated_dirs)
    code, out, _ = run(capsys, "status", "--json")
    (cluster,) = json.loads(out)["clusters"]
    assert code == 0 and cluster["name"] == "d4f2example"
    assert cluster["ca"]["subject"] == "d4f2example-ca"
    assert cluster["client"]["subject"] == "d4f2example-kurrentdb-client"
    assert 85 <= cluster["days_left"] <= 90 and cluster["ui_url"] == ""
    assert [(i["store"], i["kind"], i["present"]) for i in cluster["items"]] == [
        ("nss", "ca", True),
        ("nss", "identity", True),
        ("identity-files", "identity", True),
    ]
    consumers = {c["name"]: c["state"] for c in cluster["consumers"]}
    assert consumers == {
        "Chromium": "ok",
        "Command-line clients": "ok",
        "Firefox (profile default-release)": "not_covered",  # made after the install: Repair
        "System trust store": "not_set_up",  # a user-scope install leaves it alone on Linux
    }


def test_repair_puts_back_a_deleted_ca_and_sets_up_a_new_firefox_profile(
    capsys: pytest.CaptureFixture[str], installed: Path, isolated_dirs: Path
) -> None:
    # GIVEN the CA deleted from Chromium by hand, and a Firefox profile made after the install
    delete_ca_by_hand(installed)
    firefox = add_firefox_profile(isolated_dirs)
    code, out, _ = run(capsys, "status", "--json")
    (cluster,) = json.loads(out)["clusters"]
    assert {c["name"]: c["state"] for c in cluster["consumers"]}["Chromium"] == "missing"
    code, out, _ = run(capsys, "status")
    assert "✗ Chromium: missing" in out and "clustertrust repair" in out

    # WHEN repair is dry-run THEN it plans exactly that and changes nothing
    before = (listing(installed), listing(firefox))
    code, out, _ = run(capsys, "repair", "--dry-run", "--json")
    document = json.loads(out)
    assert code == 0 and document["applied"] is False
    assert [(s["kind"], s["location"]) for s in document["put_back"]] == [("ca", str(installed))]
    assert [(s["kind"], s["location"]) for s in document["new"]] == [
        ("ca", str(firefox)),
        ("identity", str(firefox)),
    ]
    assert (listing(installed), listing(firefox)) == before

    # WHEN it runs THEN both databases hold the cluster and status says so
    code, out, err = run(capsys, "repair", "--yes")
    assert code == 0, err
    assert (
        out.startswith("Repair: 1 missing item(s) to put back, 2 to add") and "Repaired: 3" in out
    )
    assert "d4f2example-ca" in listing(installed) and "d4f2example-ca" in listing(firefox)
    assert "d4f2example-kurrentdb-client" in listing(firefox)
    (cluster,) = json.loads(run(capsys, "status", "--json")[1])["clusters"]
    states = {c["name"]: c["state"] for c in cluster["consumers"]}
    assert states.pop("System trust store") == "not_set_up"  # repair adds no store not chosen
    assert set(states.values()) == {"ok"} and len(states) == 3
    assert all(i["present"] for i in cluster["items"]) and len(cluster["items"]) == 5

    # AND a second repair has nothing to do
    code, out, _ = run(capsys, "repair", "--yes", "--json")
    assert code == 0 and json.loads(out)["plan"]["steps"] == []
    assert run(capsys, "uninstall", "--all", "--yes")[0] == 0
    assert "d4f2example" not in listing(firefox) + listing(installed)


def test_repair_without_the_bundle_material_names_what_it_cannot_put_back(
    capsys: pytest.CaptureFixture[str], installed: Path, isolated_dirs: Path
) -> None:
    delete_ca_by_hand(installed)
    for kept in (isolated_dirs / ".local/share/clustertrust/identities").rglob("tls.key"):
        kept.unlink()
    code, out, err = run(capsys, "repair", "--yes")
    assert code == 1 and "cannot put back 'd4f2example-ca' in Chromium" in out
    assert "install the bundle again" in out and "What to do:" in err
    code, out, _ = run(capsys, "repair", "--yes", "--json")
    assert code == 1 and len(json.loads(out)["cannot"]) == 2  # the CA, and the identity files


def test_repair_with_an_empty_ledger_has_nothing_to_do(
    capsys: pytest.CaptureFixture[str], chromium: Path
) -> None:
    code, out, _ = run(capsys, "repair", "--yes")
    assert code == 0 and out.startswith("Nothing to repair")


def test_a_ca_only_bundle_is_its_own_cluster_by_the_ca_name(
    capsys: pytest.CaptureFixture[str], chromium: Path, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(pki.make_ca("ccx-operator-ca-1").cert_pem)
    assert run(capsys, "install", str(ca), "--stores", "nss", "--yes")[0] == 0
    (cluster,) = json.loads(run(capsys, "status", "--json")[1])["clusters"]
    assert cluster["name"] == "ccx-operator-ca-1" and cluster["client"] is None
    assert run(capsys, "uninstall", "--all", "--yes")[0] == 0
