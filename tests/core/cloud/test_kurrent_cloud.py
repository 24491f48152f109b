"""Kurrent Cloud provider against a local HTTPS imitation of its endpoints (tests/cloud_server.py)
and an in-memory keyring."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import keyring
import pytest
from clustertrust.cli.main import main
from clustertrust.core import certinfo, paths
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.cloud import kurrent as cloud
from clustertrust.core.cloud.kurrent_body import bundle_files
from clustertrust.core.errors import BundleError, InputError, OperationFailed
from clustertrust.core.logs import log_path
from support import pki
from support.cloud_server import (
    CLIENT_ID,
    CLUSTER,
    EXPIRED,
    ORG,
    PROJECT,
    REFRESH,
    CloudServer,
    LockedKeyring,
    MemoryKeyring,
)


def settings_for(server: CloudServer) -> cloud.CloudSettings:
    return cloud.CloudSettings(
        api_url=server.url,
        identity_url=server.url,
        client_id=CLIENT_ID,
        organization=ORG,
        project=PROJECT,
    )


def session(server: CloudServer, token: str = REFRESH) -> cloud.KurrentCloud:
    return cloud.KurrentCloud(settings_for(server), token, context=server.context)


def test_refresh_token_is_exchanged_and_the_access_token_used_as_bearer(
    cloud_server: CloudServer,
) -> None:
    # WHEN the clusters of a project are listed
    found = session(cloud_server).list_clusters(ORG, PROJECT)
    # THEN the identity service saw a refresh_token grant and the API a bearer token
    token_call, list_call = cloud_server.state.requests
    assert token_call["path"] == "/oauth/token"
    assert token_call["form"] == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "refresh_token": REFRESH,
    }
    assert list_call["path"] == f"/mesdb/v1/organizations/{ORG}/projects/{PROJECT}/shared/clusters"
    assert list_call["headers"]["Authorization"].startswith("Bearer at-")
    assert [(c.id, c.name, c.status) for c in found] == [
        (CLUSTER, "orders", "available"),
        ("other", "staging", "provisioning"),
    ]


def test_cluster_details_give_the_address_to_verify(cloud_server: CloudServer) -> None:
    info = session(cloud_server).cluster(ORG, PROJECT, CLUSTER)
    assert info.address == f"https://{CLUSTER}.mesdb.example:2113"
    assert session(cloud_server).cluster(ORG, PROJECT, "other").address is None


@pytest.mark.parametrize("mode", ["tgz", "base64", "json", "json_files"])
def test_certificate_in_every_body_shape_reads_as_the_same_bundle(
    cloud_server: CloudServer, kurrent: pki.KurrentBundle, mode: str
) -> None:
    # GIVEN the API serves the bundle as tar.gz, base64 text, JSON with it inside, or JSON files
    cloud_server.state.body_mode = mode
    # WHEN it is downloaded and read
    source = session(cloud_server).certificate(ORG, PROJECT, CLUSTER)
    bundle = read_bundle(source)
    # THEN the CA, client certificate and key are the cluster's
    assert bundle.ca is not None and certinfo.sha256(bundle.ca) == certinfo.sha256(kurrent.ca.cert)
    assert bundle.client_cert is not None
    assert certinfo.sha256(bundle.client_cert) == certinfo.sha256(kurrent.client.cert)
    assert bundle.has_key
    assert CLUSTER in source.origin


def test_an_access_token_that_expired_is_renewed_once(cloud_server: CloudServer) -> None:
    client = session(cloud_server)
    client.list_clusters(ORG, PROJECT)
    cloud_server.state.expire_access_tokens()
    assert client.cluster(ORG, PROJECT, CLUSTER).id == CLUSTER
    token_calls = [r for r in cloud_server.state.requests if r["path"] == "/oauth/token"]
    assert len(token_calls) == 2


def test_an_expired_refresh_token_says_to_log_in_again(cloud_server: CloudServer) -> None:
    with pytest.raises(InputError) as caught:
        session(cloud_server, EXPIRED).list_clusters(ORG, PROJECT)
    assert caught.value.exit_code == 2
    assert "expired or was revoked" in caught.value.message
    assert "clustertrust cloud login" in caught.value.terminal_fix
    assert EXPIRED not in str(caught.value)


def test_a_token_the_api_keeps_refusing_is_a_401_with_advice(cloud_server: CloudServer) -> None:
    client = session(cloud_server)
    client.access_token()
    cloud_server.state.expire_access_tokens()
    cloud_server.state.refresh_tokens.clear()  # revoked meanwhile: renewal fails too
    with pytest.raises(InputError, match="expired or was revoked"):
        client.list_clusters(ORG, PROJECT)


@pytest.mark.parametrize(("project", "cluster"), [(PROJECT, "nope"), ("no-project", CLUSTER)])
def test_unknown_ids_are_a_404_naming_them(
    cloud_server: CloudServer, project: str, cluster: str
) -> None:
    with pytest.raises(InputError) as caught:
        session(cloud_server).certificate(ORG, project, cluster)
    assert f"cluster {cluster!r} in project {project!r}" in caught.value.message
    assert "clustertrust cloud clusters" in caught.value.terminal_fix


def test_an_answer_without_a_bundle_is_a_bundle_error(cloud_server: CloudServer) -> None:
    cloud_server.state.body_mode = "garbage"
    with pytest.raises(BundleError, match="holds no certificate bundle"):
        session(cloud_server).certificate(ORG, PROJECT, CLUSTER)


def test_ids_with_slashes_are_refused_before_any_request(cloud_server: CloudServer) -> None:
    with pytest.raises(InputError):
        session(cloud_server).certificate(ORG, PROJECT, "../../other")
    assert cloud_server.state.requests == []


def test_plain_http_base_urls_are_refused() -> None:
    with pytest.raises(InputError, match="not an https"):
        cloud.CloudSettings().updated(api_url="http://api.example")


def test_base64_body_with_line_breaks_and_pem_json(kurrent: pki.KurrentBundle) -> None:
    tgz = pki.tar_bytes(kurrent.files())
    wrapped = base64.encodebytes(tgz)
    assert bundle_files(wrapped, {}, "x") == (("certificate_bundle.tar.gz", tgz),)
    document = json.dumps({"ca.crt": kurrent.ca.cert_pem.decode()}).encode()
    assert bundle_files(document, {"content-type": "application/json"}, "x") == (
        ("ca.crt", kurrent.ca.cert_pem),
    )


def test_no_stored_token_says_how_to_log_in(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(InputError, match="No Kurrent Cloud token"):
        cloud.KurrentCloud.from_keyring(cloud.CloudSettings())


def test_a_locked_keyring_is_an_actionable_failure() -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(OperationFailed) as caught:
        cloud.KurrentCloud.from_keyring(cloud.CloudSettings())
    assert "never keeps tokens in plain files" in caught.value.fix


# The command line, end to end: the token goes to the keyring only, never to files or the log.


@pytest.fixture
def cli_env(cloud_server: CloudServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("SSL_CERT_FILE", str(cloud_server.ca_path))
    cloud.save_settings(cloud.CloudSettings(client_id=CLIENT_ID))
    return ["--api-url", cloud_server.url, "--identity-url", cloud_server.url]


def login(monkeypatch: pytest.MonkeyPatch, token: str, urls: list[str]) -> int:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(token + "\n"))
    return main(["cloud", "login", "--token-stdin", "--org", ORG, "--project", PROJECT, *urls])


def test_cli_login_fetch_and_save(
    cli_env: list[str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    isolated_dirs: Path,
) -> None:
    assert login(monkeypatch, REFRESH, cli_env) == 0
    assert memory_keyring.entries == {("clustertrust", cloud.TOKEN_NAME): REFRESH}
    saved = cloud.load_settings()
    assert (saved.organization, saved.project, saved.api_url) == (ORG, PROJECT, cli_env[1])
    capsys.readouterr()

    assert main(["cloud", "clusters", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in listed["clusters"]] == [CLUSTER, "other"]

    output = tmp_path / "bundle.tar.gz"
    assert main(["cloud", "fetch", CLUSTER, "-o", str(output), "--json"]) == 0
    fetched = json.loads(capsys.readouterr().out)
    assert fetched["cluster"]["address"].endswith(":2113")
    assert fetched["bundle"]["has_key"] is True
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert read_bundle(cloud.SourceData(str(output), ((output.name, output.read_bytes()),))).has_key

    # THEN no file ClusterTrust wrote holds the token, and the log exists
    assert log_path().exists()
    for root in (paths.config_dir(), paths.state_dir(), paths.data_dir(), paths.log_dir()):
        for path in Path(root).rglob("*"):
            if path.is_file():
                assert REFRESH.encode() not in path.read_bytes(), path


def test_cli_refuses_to_store_an_expired_token(
    cli_env: list[str],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert login(monkeypatch, EXPIRED, cli_env) == 2
    assert "expired or was revoked" in capsys.readouterr().err
    assert memory_keyring.entries == {}
    assert cloud.load_settings().organization == ""  # nothing was changed


def test_cli_fetch_refuses_to_overwrite(
    cli_env: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    assert login(monkeypatch, REFRESH, cli_env) == 0
    existing = tmp_path / "kept.tar.gz"
    existing.write_bytes(b"mine")
    assert main(["cloud", "fetch", CLUSTER, "-o", str(existing)]) == 2
    assert existing.read_bytes() == b"mine"
    assert "already exists" in capsys.readouterr().err


def test_cli_logout_forgets_the_token(
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    memory_keyring.entries[("clustertrust", cloud.TOKEN_NAME)] = REFRESH
    assert main(["cloud", "logout"]) == 0
    assert memory_keyring.entries == {}
    assert main(["cloud", "logout"]) == 0
    assert "No Kurrent Cloud token" in capsys.readouterr().out
    assert os.environ.get("HOME")  # the isolated home from conftest, not the real one


def test_token_exchange_and_download_go_through_the_https_proxy(
    cloud_server: CloudServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support import connect_proxy

    with connect_proxy.run() as proxy:
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "")
        source = session(cloud_server).certificate(ORG, PROJECT, CLUSTER)
    host = cloud_server.url.removeprefix("https://")
    assert proxy.tunnels == [host, host]  # the POST to the identity service, then the GET
    assert read_bundle(source).has_key


def test_cli_login_without_a_token_changes_nothing(
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(""))
    assert main(["cloud", "login", "--token-stdin", "--org", ORG]) == 2
    assert "No Kurrent Cloud token was given" in capsys.readouterr().err
    assert memory_keyring.entries == {}
    assert not (paths.config_dir() / cloud.SETTINGS_FILE).exists()
