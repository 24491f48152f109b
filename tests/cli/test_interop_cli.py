"""Material nobody here wrote, through the real `clustertrust` process: certificates
cryptography cannot read are refused by inspect, install and verify alike (exit 2, a message, no
traceback, nothing written); trustme's folder is inspected and installed without refusal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trustme
from clustertrust.core import certinfo, paths
from cryptography.hazmat.primitives import serialization
from support import crafted, pki
from support.cli_runs import cli


def tree(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.rglob("*"))


COMMANDS = {
    "inspect": lambda source: ["inspect", source, "--json"],
    "install": lambda source: ["install", source, "--yes", "--stores", "files", "--json"],
    "verify": lambda source: ["verify", "https://127.0.0.1:9/", "--bundle", source, "--json"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", crafted.KINDS)
def test_unreadable_certificates_exit_2_without_traceback_in_every_command(
    kind: str, command: str, tmp_path: Path, isolated_dirs: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "b.tar.gz").write_bytes(pki.tar_bytes({"ca.crt": crafted.certificate(kind)}))
    before = tree(work, isolated_dirs)
    done = cli(isolated_dirs, *COMMANDS[command]("b.tar.gz"), cwd=work)
    assert done.code == 2, done.err
    assert "Traceback" not in done.err
    assert json.loads(done.out)["error"]["exit_code"] == 2
    assert tree(work, isolated_dirs) == before


def test_trustme_folder_is_inspected_and_installed(tmp_path: Path, isolated_dirs: Path) -> None:
    ca = trustme.CA()
    folder = tmp_path / "certs"
    folder.mkdir()
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    server = ca.issue_cert("localhost", "127.0.0.1")
    server.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    client = ca.issue_cert("client@example.org")
    client.private_key_and_cert_chain_pem.write_to_path(str(folder / "client.pem"))

    inspected = cli(isolated_dirs, "inspect", str(folder), "--json", cwd=tmp_path)
    assert inspected.code == 0, inspected.err
    findings = {f["code"]: f["severity"] for f in json.loads(inspected.out)["findings"]}
    assert findings["server_cert_left_out"] == "info"
    assert "error" not in findings.values()

    installed = cli(
        isolated_dirs, "install", str(folder), "--yes", "--stores", "files", "--json", cwd=tmp_path
    )
    assert installed.code == 0, installed.err
    (tls_key,) = paths.data_dir().rglob("tls.key")  # the same folder for the process
    written = serialization.load_pem_private_key(tls_key.read_bytes(), None)
    given = serialization.load_pem_private_key(client.private_key_pem.bytes(), None)
    assert certinfo.public_bytes(written) == certinfo.public_bytes(given)
