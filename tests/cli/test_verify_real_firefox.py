"""The verdict agrees with a real browser: headless Firefox ESR, started on the profile that a
user-scope install set up, opens the cluster UI through nginx demanding a client certificate
(nginx logs 200 only for a verified client certificate) exactly when verify says that profile is
ok; with the CA deleted from the profile by hand, both refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from support import browsers, pki
from support.firefox import FIREFOX, open_in_firefox, refusals
from support.servers import NginxServer, free_port, start_nginx
from support.tls_peers import shared_cluster, write_pair

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not FIREFOX, reason="needs Firefox (Debian package firefox-esr)"),
]
PROFILE = "default-release"


@pytest.fixture(scope="module")
def ui(
    tmp_path_factory: pytest.TempPathFactory, kurrent: pki.KurrentBundle
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("nginx-firefox")
    (folder / "client-ca.crt").write_bytes(kurrent.ca.cert_pem)
    cert, key = write_pair(folder, "server", shared_cluster(kurrent).server)
    port, log = free_port(), folder / "access.log"
    block = f"""
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_client_certificate {folder / "client-ca.crt"}; ssl_verify_client on;
        access_log {log} combined;
        location / {{ return 200 "cluster UI\\n"; }}
    }}"""
    server: NginxServer = start_nginx(folder / "nginx", [block], [port])
    yield f"https://127.0.0.1:{port}/", log
    server.stop()


def firefox_requests(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if "Firefox" in line]


def test_firefox_and_verify_agree_both_ways(
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    kurrent_tgz: Path,
    ui: tuple[str, Path],
) -> None:
    url, log = ui
    error_log = log.parent / "nginx/error.log"
    profile = browsers.firefox(isolated_dirs, {PROFILE: True})[PROFILE]
    assert main(["install", str(kurrent_tgz), "--yes", "--json"]) == 0
    assert main(["verify", url, "--json"]) == 0
    capsys.readouterr()

    seconds = open_in_firefox(isolated_dirs, profile, url, lambda: bool(firefox_requests(log)))
    answered = firefox_requests(log)
    assert answered and all('" 200 ' in line for line in answered), (answered, f"{seconds:.1f} s")

    ca_nick = next(n for n in browsers.nicknames(profile) if n.startswith("d4f2example-ca"))
    browsers.delete(profile, ca_nick)
    code = main(["verify", url, "--json"])
    firefox = {c["name"]: c for c in json.loads(capsys.readouterr().out)["consumers"]}
    assert code == 1 and firefox[f"Firefox (profile {PROFILE})"]["outcome"] == "server_untrusted"
    before, refused = len(firefox_requests(log)), refusals(error_log)
    seconds = open_in_firefox(isolated_dirs, profile, url, lambda: refusals(error_log) > refused)
    assert refusals(error_log) > refused, f"Firefox did not refuse the server ({seconds:.1f} s)"
    assert len(firefox_requests(log)) == before, f"Firefox reached the UI ({seconds:.1f} s)"


def test_firefox_uses_the_database_created_for_a_never_started_profile(
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
    kurrent_tgz: Path,
    ui: tuple[str, Path],
) -> None:
    url, log = ui
    profile = browsers.firefox(isolated_dirs, {"fresh": False})["fresh"]
    assert main(["install", str(kurrent_tgz), "--yes", "--json"]) == 0
    capsys.readouterr()
    before = len(firefox_requests(log))
    seconds = open_in_firefox(
        isolated_dirs, profile, url, lambda: len(firefox_requests(log)) > before
    )
    answered = firefox_requests(log)[before:]
    assert answered and all('" 200 ' in line for line in answered), (answered, f"{seconds:.1f} s")
