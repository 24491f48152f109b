"""`clustertrust inspect` as a real process: output for people, JSON, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import hostile, openssl_pki, pki
from support.cli_runs import cli


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below `folders` with its size and mtime: proof nothing was written."""
    seen = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            info = path.lstat()
            seen[str(path)] = (info.st_size, info.st_mtime_ns)
    return seen


def test_human_summary(kurrent_tgz: Path, tmp_path: Path, isolated_dirs: Path) -> None:
    done = cli(isolated_dirs, "inspect", str(kurrent_tgz), cwd=tmp_path)
    assert done.code == 0, done.err
    out = done.out
    assert "Recognised: Kurrent Cloud bundle" in out
    assert "CA certificate: d4f2example-ca" in out
    assert "Client certificate: d4f2example-kurrentdb-client" in out
    assert "days left" in out and "SHA-256" in out and "RSA 2048" in out
    assert "info:" in out and "name constraints" in out and "warning:" not in out


def test_json_document(
    kurrent_tgz: Path, kurrent: pki.KurrentBundle, tmp_path: Path, isolated_dirs: Path
) -> None:
    done = cli(isolated_dirs, "inspect", str(kurrent_tgz), "--json", cwd=tmp_path)
    doc = json.loads(done.out)
    assert doc["ca"]["sha256"] == kurrent.ca.cert.fingerprint(pki.hashes.SHA256()).hex()
    assert doc["client"]["sha256"] == kurrent.client.cert.fingerprint(pki.hashes.SHA256()).hex()
    assert doc["has_key"] is True
    assert {"severity": "info", "code": "ca_unconstrained"}.items() <= doc["findings"][0].items()
    assert done.err == ""


def test_json_ca_only_has_null_client(tmp_path: Path, isolated_dirs: Path) -> None:
    (tmp_path / "ca.pem").write_bytes(pki.make_ca("ccx").cert_pem)
    doc = json.loads(cli(isolated_dirs, "inspect", "ca.pem", "--json", cwd=tmp_path).out)
    assert doc["client"] is None and doc["has_key"] is False and doc["system"] == "ca_only"


def test_error_findings_still_exit_0(tmp_path: Path, isolated_dirs: Path) -> None:
    (tmp_path / "notca.pem").write_bytes(pki.make_ca("x", ca=False).cert_pem)
    done = cli(isolated_dirs, "inspect", "notca.pem", cwd=tmp_path)
    assert done.code == 0 and "error:" in done.out


def test_bundle_made_with_openssl_command(tmp_path: Path, isolated_dirs: Path) -> None:
    archive = openssl_pki.make_bundle(tmp_path / "vendor", "c0ffee")
    done = cli(isolated_dirs, "inspect", str(archive), "--json", cwd=tmp_path)
    doc = json.loads(done.out)
    assert doc["system"] == "kurrent_cloud" and doc["has_key"] and doc["has_p12"]
    assert [f["code"] for f in doc["findings"]] == ["ca_unconstrained"]


@pytest.mark.parametrize("case", sorted(hostile.corpus(b"").keys()))
def test_hostile_input_exit_2_and_nothing_written(
    case: str, kurrent_tgz: Path, tmp_path: Path, isolated_dirs: Path
) -> None:
    data, phrase = hostile.corpus(kurrent_tgz.read_bytes())[case]
    work = tmp_path / "work"
    work.mkdir()
    (work / "input.bin").write_bytes(data)
    before = snapshot(work, isolated_dirs)
    done = cli(isolated_dirs, "inspect", "input.bin", cwd=work)
    assert done.code == 2, done.err
    assert phrase in done.err
    assert "What to do:" in done.err and "Traceback" not in done.err
    assert done.out == ""
    assert snapshot(work, isolated_dirs) == before


@pytest.mark.parametrize(
    ("make", "args", "phrase"),
    [
        (lambda d: None, ["missing.tar.gz"], "does not exist"),
        (lambda d: (d / "e").mkdir(), ["e"], "holds no files"),
        (
            lambda d: (d / "id.p12").write_bytes(pki.p12_bytes(*_identity(), password=b"pw")),
            ["id.p12"],
            "password other than the Kurrent default",
        ),
        (
            lambda d: (d / "id.p12").write_bytes(pki.p12_bytes(*_identity(), password=b"pw")),
            ["id.p12", "--password", "bad"],
            "Neither the Kurrent default password",
        ),
        (lambda d: None, ["http://example.invalid/b.tgz"], "not an https:// address"),
    ],
    ids=["missing-file", "empty-folder", "p12-no-password", "p12-wrong-password", "plain-http"],
)
def test_unusable_sources_exit_2(make, args, phrase, tmp_path: Path, isolated_dirs: Path) -> None:
    make(tmp_path)
    before = snapshot(tmp_path, isolated_dirs)
    done = cli(isolated_dirs, "inspect", *args, "--json", cwd=tmp_path)
    assert done.code == 2
    assert phrase in done.err and "Traceback" not in done.err
    assert json.loads(done.out)["error"]["exit_code"] == 2
    assert snapshot(tmp_path, isolated_dirs) == before


_IDENTITY: list[tuple[pki.Issued, list[pki.Issued]]] = []


def _identity() -> tuple[pki.Issued, list[pki.Issued]]:
    if not _IDENTITY:
        ca = pki.make_ca()
        _IDENTITY.append((pki.make_leaf(ca, "c"), [ca]))
    return _IDENTITY[0]


def test_usage_error_exit_2(tmp_path: Path, isolated_dirs: Path) -> None:
    done = cli(isolated_dirs, "inspect", cwd=tmp_path)
    assert done.code == 2 and "usage:" in done.err
