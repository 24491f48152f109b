"""`clustertrust verify`: exit codes, human and JSON output, bad input, the saved last result, the
installed identity, the temporary key file, and the system trust store in a mount namespace."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.verify.identity import load_client_identity
from clustertrust.core.verify.store import last_verification_path, load_last_verification
from support import pki
from support.tls_peers import Cluster, NginxSetup, bundle_of


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["verify", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_working_bundle_exits_0_with_one_verdict_line(
    capsys: pytest.CaptureFixture[str], nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    code, out, _ = run_cli(
        capsys, nginx.url("mtls"), "--bundle", str(kurrent_tgz), "--trust", "bundle"
    )
    assert code == 0
    assert out.splitlines() == [out.splitlines()[0]]
    assert out.startswith("\u2713 ok: Mutual TLS to 127.0.0.1:")


def test_failed_verification_exits_1_with_the_fix(
    capsys: pytest.CaptureFixture[str], nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    code, out, _ = run_cli(capsys, nginx.url("mtls"), "--bundle", str(kurrent_tgz))
    assert code == 1
    verdict, fix = out.splitlines()
    assert verdict.startswith("\u2717 server_untrusted: The bundle works with its own CA, but ")
    assert "this computer does not trust the cluster's CA d4f2example-ca yet" in verdict
    assert fix.startswith("What to do: Install the bundle")


def test_json_has_the_contract_fields_and_both_modes(
    capsys: pytest.CaptureFixture[str], nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    code, out, _ = run_cli(capsys, nginx.url("login"), "--bundle", str(kurrent_tgz), "--json")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    assert document["outcome"] == "server_untrusted" and document["message"] and document["fix"]
    bundle_mode = document["modes"]["bundle"]
    assert bundle_mode["ok"] is True and bundle_mode["http_status"] == 401
    assert "login" in bundle_mode["note"]
    assert bundle_mode["server_chain"][0]["issuer"] == "d4f2example-ca"
    assert set(bundle_mode["timings_ms"]) == {"dns", "connect", "handshake", "first_byte", "total"}
    assert document["modes"]["system"]["outcome"] == "server_untrusted"


def test_each_outcome_code_reaches_the_json(
    capsys: pytest.CaptureFixture[str], nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    seen = {}
    for name in ("other_ca", "expired", "mismatch", "plain", "broken"):
        code, out, _ = run_cli(
            capsys, nginx.url(name), "--bundle", str(kurrent_tgz), "--trust", "bundle", "--json"
        )
        assert code == 1
        seen[name] = json.loads(out)["outcome"]
    assert seen == {
        "other_ca": "server_untrusted",
        "expired": "server_cert_expired",
        "mismatch": "hostname_mismatch",
        "plain": "tls_handshake_failed",
        "broken": "http_error",
    }


def test_last_result_is_saved_without_key_material(
    capsys: pytest.CaptureFixture[str], nginx: NginxSetup, kurrent_tgz: Path
) -> None:
    url = nginx.url("mtls") + "?token=hunter2"
    run_cli(capsys, f"https://user:pw@{url.removeprefix('https://')}", "--bundle", str(kurrent_tgz))
    saved = load_last_verification()
    assert saved is not None and saved["outcome"] == "server_untrusted"
    assert saved["modes"]["bundle"]["ok"] is True
    text = last_verification_path().read_text()
    for secret in ("PRIVATE KEY", "BEGIN", "hunter2", "user:pw", 'kurrent"'):
        assert secret not in text
    assert saved["url"] == nginx.url("mtls")


def test_no_saved_result_loads_as_none() -> None:
    assert load_last_verification() is None


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["http://127.0.0.1:2113/"], "is not an https:// address"),
        (["https://127.0.0.1:99999/"], "is not a number from 1 to 65535"),
        (["https://127.0.0.1:2113/", "--bundle", "/no/such/bundle.tar.gz"], "does not exist"),
        (["https://127.0.0.1:2113/"], "No client identity is installed"),
    ],
)
def test_bad_input_exits_2_and_saves_nothing(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert expected in err and "What to do:" in err
    assert not last_verification_path().exists()


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "soon", "601"])
def test_bad_timeout_is_a_usage_error(capsys: pytest.CaptureFixture[str], timeout: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "https://127.0.0.1:2113/", "--timeout", timeout])
    assert exit_info.value.code == 2
    assert "seconds from 0.1 to 600" in capsys.readouterr().err


def test_bundle_trust_with_a_bundle_that_has_no_ca_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    client_only = tmp_path / "client.pem"
    client_only.write_bytes(kurrent.client.cert_pem + kurrent.client.key_pem())
    code, _, err = run_cli(
        capsys,
        "https://127.0.0.1:2113/",
        "--bundle",
        str(client_only),
        "--trust",
        "bundle",
        "--json",
    )
    assert code == 2 and "holds no CA certificate" in err


def install_identity(kurrent: pki.KurrentBundle) -> Path:
    """What `install` does for the identity-files store: the files, then the ledger record."""
    from clustertrust.core.install.ledger import Ledger
    from clustertrust.core.model import Scope
    from clustertrust.platform.identity_files import IdentityFilesStore

    ledger = Ledger()
    for step in IdentityFilesStore().plan_install(bundle_of(kurrent.files()), Scope.USER):
        record = ledger.write_intent(step.record)
        step.run()
        ledger.mark_done(record)
    return Path(record.location)


def test_without_bundle_uses_the_newest_installed_identity(
    capsys: pytest.CaptureFixture[str], nginx: NginxSetup, kurrent: pki.KurrentBundle
) -> None:
    install_identity(kurrent)
    code, out, err = run_cli(capsys, nginx.url("mtls"), "--trust", "bundle", "--json")
    assert code == 0, err
    client = json.loads(out)["modes"]["bundle"]["client_certificate"]
    assert client["subject"] == "d4f2example-kurrentdb-client"


def test_installed_identity_with_its_files_gone_is_bad_input(
    capsys: pytest.CaptureFixture[str], kurrent: pki.KurrentBundle
) -> None:
    shutil.rmtree(install_identity(kurrent))
    code, _, err = run_cli(capsys, "https://127.0.0.1:2113/")
    assert code == 2 and "files are missing" in err and "--bundle" in err


class _SpyContext:
    """Looks at the key file at the moment ssl reads it, then lets the real context load it."""

    def __init__(self) -> None:
        self.real = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.key_mode = 0
        self.key_head = b""
        self.folder: Path | None = None

    def load_cert_chain(self, certfile: str, keyfile: str, password: str) -> None:
        self.key_mode = os.stat(keyfile).st_mode & 0o777
        self.key_head = Path(keyfile).read_bytes()[:40]
        self.folder = Path(keyfile).parent
        self.real.load_cert_chain(certfile, keyfile, password=password)


def test_client_key_file_is_0600_encrypted_and_deleted(kurrent: pki.KurrentBundle) -> None:
    spy = _SpyContext()
    load_client_identity(spy, bundle_of(kurrent.files()))  # type: ignore[arg-type]
    assert spy.key_mode == 0o600
    assert spy.key_head.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert spy.folder is not None and not spy.folder.exists()


def test_mismatched_key_is_bad_input_and_leaves_no_file(
    kurrent: pki.KurrentBundle, cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from clustertrust.core.errors import InputError

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    broken = replace(bundle_of(kurrent.files()), private_key=cluster.other_client.key)
    with pytest.raises(InputError, match="cannot be used for TLS"):
        load_client_identity(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), broken)
    assert list(tmp_path.iterdir()) == []


UNSHARE = shutil.which("unshare")
UPDATE_CA = shutil.which("update-ca-certificates")


@pytest.mark.namespace
@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not UNSHARE or not UPDATE_CA, reason="needs root")
def test_system_trust_after_update_ca_certificates_in_a_mount_namespace(
    tmp_path: Path, nginx: NginxSetup, kurrent: pki.KurrentBundle, kurrent_tgz: Path
) -> None:
    """The real Debian store, changed only inside a private mount namespace: the CA goes in with
    update-ca-certificates and `verify --trust system` (truststore) must then succeed."""
    certs, anchors = tmp_path / "certs", tmp_path / "anchors"
    shutil.copytree("/etc/ssl/certs", certs, symlinks=True)
    anchors.mkdir()
    (anchors / "d4f2example-ca.crt").write_bytes(kurrent.ca.cert_pem)
    verify = [
        sys.executable,
        "-m",
        "clustertrust.cli.main",
        "verify",
        nginx.url("mtls"),
        "--bundle",
        str(kurrent_tgz),
        "--json",
    ]
    script = (
        f"mount --bind {certs} /etc/ssl/certs && "
        f"mount --bind {anchors} /usr/local/share/ca-certificates && "
        f"update-ca-certificates >/dev/null && exec {' '.join(verify)}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSL_CERT")}
    before = subprocess.run([*verify], capture_output=True, text=True, env=env, timeout=60)
    after = subprocess.run(
        [UNSHARE or "unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert json.loads(before.stdout)["modes"]["system"]["outcome"] == "server_untrusted"
    assert after.returncode == 0, after.stderr
    document = json.loads(after.stdout)
    assert document["ok"] and document["modes"]["system"]["ok"]
    assert kurrent.ca.cert_pem not in Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()
