"""Text from a certificate, a server or the ledger is shown as text: a newline in a name cannot
forge a line of ClusterTrust's own (a "✓ ok" under a failed verification)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import pki
from support.cli_runs import cli
from support.tls_peers import AlertingTlsServer, Cluster

FORGED = "\n\u2713 ok: the cluster UI answered"
FORGED_ASCII = "\nok: the cluster UI answered"  # a DNS name is ASCII


@pytest.mark.parametrize("signer", ["the cluster's CA", "another CA"])
def test_newlines_in_a_servers_names_forge_no_line(
    signer: str, cluster: Cluster, kurrent: pki.KurrentBundle, kurrent_tgz: Path, tmp_path: Path
) -> None:
    # GIVEN a server whose certificate (and, for another CA, its issuer) names carry a line
    # that looks like a verdict: a hostname mismatch lists the names, an unknown CA is named
    issuer = kurrent.ca if signer == "the cluster's CA" else pki.make_ca(f"evil-ca{FORGED}")
    leaf = pki.make_leaf(
        issuer, f"evil{FORGED}", client=False, server_names=[f"evil.example{FORGED_ASCII}"]
    )
    server = AlertingTlsServer(leaf, kurrent.ca, tmp_path / "server")
    try:
        done = cli(tmp_path, "verify", server.url, "--bundle", str(kurrent_tgz))
    finally:
        server.stop()
    # THEN verify fails, and no line of its output is a verdict it did not give
    assert done.code == 1, done.out + done.err
    forged = [line for line in done.out.splitlines() if line.lstrip().startswith(("\u2713", "ok"))]
    assert forged == [], done.out
    assert "\\x0a" in done.out, done.out  # the name is shown, its newline escaped


SECRET = "Zm9vYmFyc2lnbmF0dXJlc2VjcmV0"


def test_a_signed_links_token_is_never_kept_or_printed(
    kurrent: pki.KurrentBundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.https_server import Route, make_server_pki, serve_https

    server = make_server_pki(tmp_path / "server")
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))  # the loopback server's CA only
    for var in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    routes = {"/b/certificate_bundle.tar.gz": Route(body=pki.tar_bytes(kurrent.files()))}
    with serve_https(server, routes) as (base, _):
        link = f"{base}/b/certificate_bundle.tar.gz?X-Amz-Signature={SECRET}&X-Amz-Expires=300"
        runs = [
            cli(home, "install", link, "--stores", "files", "--yes"),
            cli(home, "inspect", link),
            cli(home, "status"),
            cli(home, "status", "--json"),
            cli(home, "report"),
        ]
    assert runs[0].code == 0, runs[0].err
    assert f"{base}/b/certificate_bundle.tar.gz" in runs[2].out  # the address, without its token
    printed = "".join(run.out + run.err for run in runs)
    kept = "".join(p.read_text(errors="replace") for p in home.rglob("*") if p.is_file())
    assert SECRET not in printed and SECRET not in kept


@pytest.mark.parametrize(
    "planted", ["file:///etc/passwd", "javascript:alert(1)", "http://cluster.example:2113/"]
)
def test_only_an_https_ui_address_is_taken_from_the_ledger(
    planted: str, kurrent_tgz: Path, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    import json

    from clustertrust.cli.main import main
    from clustertrust.core.install.ledger import Ledger
    from support import browsers

    browsers.chromium(isolated_dirs)
    assert main(["install", str(kurrent_tgz), "--yes"]) == 0
    ledger = Ledger()
    (cluster,) = ledger.clusters()
    ledger.remember_cluster(cluster.ca_sha256, cluster.name, "https://cluster.example:2113/")
    document = json.loads(ledger.path.read_text())
    document["clusters"][0]["ui_url"] = planted  # a hand edit
    ledger.path.write_text(json.dumps(document))
    capsys.readouterr()
    assert [c.ui_url for c in ledger.clusters()] == [""]  # what Open, verify and status get
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["clusters"][0]["ui_url"] == ""
