"""`clustertrust verify` by consumer, for real: nginx demanding client certificates, Chromium and
Firefox NSS databases laid out in a temporary HOME, the real install, certutil and vfychain."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.install.ledger import Ledger
from support import browsers, namespace, pki
from support.cli_runs import cli as process
from support.servers import free_port, mtls_server_block, start_nginx
from support.tls_peers import Cluster, NginxServer, answer_block, write_pair

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "vfychain"], capture_output=True).returncode != 0,
    reason="needs the NSS tools (libnss3-tools)",
)


@dataclass
class Servers:
    server: NginxServer
    ports: dict[str, int]
    intermediate: pki.Issued

    def url(self, name: str) -> str:
        return f"https://127.0.0.1:{self.ports[name]}/"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[Servers]:
    """mtls: TLS 1.2; mtls13: TLS 1.3; leaf_only: a server certificate from an intermediate
    CA, sent without it; full_chain: the same, sent with it. All demand a client certificate."""
    folder = tmp_path_factory.mktemp("nginx-consumers")
    root = cluster.bundle.ca
    client_ca = folder / "client-ca.crt"
    client_ca.write_bytes(root.cert_pem)
    intermediate = pki.make_intermediate(root, "d4f2example-intermediate", "p256")
    leaf = pki.make_leaf(
        intermediate, "cluster-ui", "p256", client=False, server_names=["127.0.0.1"]
    )
    good = write_pair(folder, "good", cluster.server)
    leaf_only = write_pair(folder, "leaf_only", leaf)
    full_cert, full_key = write_pair(folder, "full_chain", leaf)
    full_cert.write_bytes(leaf.cert_pem + intermediate.cert_pem)
    ports = {name: free_port() for name in ("mtls", "mtls13", "leaf_only", "full_chain")}
    blocks = [
        mtls_server_block(ports["mtls"], *good, client_ca),
        answer_block(ports["mtls13"], *good, client_ca, 200, protocols="TLSv1.3"),
        mtls_server_block(ports["leaf_only"], *leaf_only, client_ca),
        mtls_server_block(ports["full_chain"], full_cert, full_key, client_ca),
    ]
    server = start_nginx(folder / "nginx", blocks, list(ports.values()))
    yield Servers(server, ports, intermediate)
    server.stop()


@pytest.fixture
def home(isolated_dirs: Path) -> Path:
    """Chromium started once; Firefox with a started profile and one never started."""
    browsers.chromium(isolated_dirs)
    browsers.firefox(isolated_dirs, {"default-release": True, "never-started": False})
    return isolated_dirs


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def install(capsys: pytest.CaptureFixture[str], bundle: Path, *extra: str) -> None:
    code, out, err = cli(capsys, "install", str(bundle), "--yes", "--json", *extra)
    assert code == 0, err
    assert json.loads(out)["applied"] is True


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, err = cli(capsys, "verify", *argv, "--json")
    assert out, err
    return code, json.loads(out)


def by_name(document: dict) -> dict[str, dict]:
    return {c["name"]: c for c in document["consumers"]}


BROWSERS = ["Chromium", "Firefox (profile default-release)", "Firefox (profile never-started)"]


@pytest.mark.parametrize("port", ["mtls", "mtls13"])
def test_user_scope_is_green_for_every_consumer_it_set_up(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers, port: str
) -> None:
    install(capsys, kurrent_tgz)
    code, document = verify(capsys, servers.url(port))
    consumers = by_name(document)
    assert code == 0, document
    assert document["ok"] is True and document["outcome"] == "ok"
    assert sorted(consumers) == sorted([*BROWSERS, "System trust store", "Command-line clients"])
    for name in [*BROWSERS, "Command-line clients"]:
        assert consumers[name]["covered"] is True, name
        assert consumers[name]["ok"] is True, consumers[name]
    system = consumers["System trust store"]
    assert (system["covered"], system["ok"], system["outcome"]) == (False, False, "not_set_up")
    assert "--scope system" in system["fix"]
    assert set(consumers["Chromium"]) == {"name", "covered", "ok", "outcome", "message", "fix",
                                           "kind", "location"}  # fmt: skip


def test_nothing_advises_installing_again_what_is_installed(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    install(capsys, kurrent_tgz)
    code, out, _ = cli(capsys, "verify", servers.url("mtls"))
    assert code == 0, out
    assert out.startswith("\u2713 ok: ")
    assert "Install the bundle" not in out and "again" not in out
    assert "- System trust store: Not set up" in out


def test_ca_deleted_from_one_browser_fails_naming_it_with_its_fix(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    install(capsys, kurrent_tgz)
    profile = next((home / browsers.FIREFOX).glob("*.default-release"))
    ca_nick = next(n for n in browsers.nicknames(profile) if n.startswith("d4f2example-ca"))
    browsers.delete(profile, ca_nick)

    code, document = verify(capsys, servers.url("mtls"))
    firefox = by_name(document)["Firefox (profile default-release)"]
    assert code == 1
    assert (document["ok"], document["outcome"]) == (False, "server_untrusted")
    assert document["message"].startswith("Firefox (profile default-release) no longer holds")
    assert (firefox["covered"], firefox["ok"], firefox["outcome"]) == (
        True,
        False,
        "server_untrusted",
    )
    assert firefox["fix"].startswith("Put it back with Repair")
    assert firefox["fix"].endswith("Run: clustertrust repair")
    assert by_name(document)["Chromium"]["ok"] is True

    command = firefox["fix"].split("Run: clustertrust ")[1]
    code, _out, err = cli(capsys, *command.split(), "--yes")
    assert code == 0, err
    assert verify(capsys, servers.url("mtls"))[0] == 0


def test_client_identity_deleted_from_chromium_is_client_cert_required(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    install(capsys, kurrent_tgz)
    nssdb = home / ".pki/nssdb"
    client = next(n for n in browsers.nicknames(nssdb) if "kurrentdb-client" in n)
    browsers.delete(nssdb, client, with_key=True)
    code, document = verify(capsys, servers.url("mtls"))
    chromium = by_name(document)["Chromium"]
    assert code == 1 and chromium["outcome"] == "client_cert_required"
    assert "no longer holds your client certificate" in chromium["message"]


def test_never_started_firefox_profile_is_set_up_like_the_others(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    profile = next((home / browsers.FIREFOX).glob("*.never-started"))
    assert not (profile / "cert9.db").exists()
    install(capsys, kurrent_tgz)
    flags = browsers.nicknames(profile)
    assert {p.name for p in profile.iterdir()} >= {"cert9.db", "key4.db", "pkcs11.txt"}
    assert any(n.startswith("d4f2example-ca") and f == "C,," for n, f in flags.items()), flags
    assert any("kurrentdb-client" in n and f == "u,u,u" for n, f in flags.items()), flags
    _code, document = verify(capsys, servers.url("mtls"))
    assert by_name(document)["Firefox (profile never-started)"]["ok"] is True


def test_missing_intermediate_is_server_chain_incomplete_with_a_fix_for_the_operator(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    before, document = verify(capsys, servers.url("leaf_only"), "--bundle", str(kurrent_tgz))
    assert (before, document["outcome"]) == (1, "server_chain_incomplete")
    assert "d4f2example-intermediate" in document["message"]
    assert "cluster's operator" in document["fix"] and "full chain" in document["fix"]
    install(capsys, kurrent_tgz)
    code, document = verify(capsys, servers.url("leaf_only"))
    assert (code, document["outcome"]) == (1, "server_chain_incomplete")
    for name in BROWSERS:
        assert by_name(document)[name]["outcome"] == "server_chain_incomplete", name


def test_browsers_validate_the_chain_the_server_actually_sent(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    """The intermediate is in no database and not in the bundle: only the server's own chain
    (leaf + intermediate, read from the handshake) lets NSS reach the cluster's CA."""
    install(capsys, kurrent_tgz)
    code, document = verify(capsys, servers.url("full_chain"))
    assert code == 0, document
    assert all(by_name(document)[name]["ok"] for name in BROWSERS)
    chain = document["modes"]["bundle"]["server_chain"]
    assert [c["subject"] for c in chain] == ["cluster-ui", "d4f2example-intermediate"]


def test_the_address_is_remembered_across_processes(
    home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    assert process(home, "install", str(kurrent_tgz), "--yes").code == 0
    url = servers.url("mtls")
    with_login = url.replace("https://", "https://someone:secret@") + "?token=t0p"
    first = process(home, "verify", with_login, "--json")
    second = process(home, "verify", "--json")
    assert first.code == 0, first.out + first.err
    assert second.code == 0, second.out + second.err
    assert json.loads(second.out)["url"] == url
    [cluster] = Ledger().clusters()
    assert (cluster.name, cluster.ui_url) == ("d4f2example", url)
    ledger_text = Ledger().path.read_text()
    assert "secret" not in ledger_text and "t0p" not in ledger_text


def test_the_address_is_remembered_only_where_the_clusters_ca_vouches_for_the_server(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    install(capsys, kurrent_tgz)
    code, _ = verify(capsys, servers.url("leaf_only"))  # no signature leads to the CA
    assert code == 1
    assert [c.ui_url for c in Ledger().clusters()] == [""]
    code, _ = verify(capsys, servers.url("full_chain"))  # through the intermediate it sent
    assert code == 0
    assert [c.ui_url for c in Ledger().clusters()] == [servers.url("full_chain")]


def test_without_an_address_and_none_remembered_is_bad_input(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path
) -> None:
    install(capsys, kurrent_tgz)
    code, out, err = cli(capsys, "verify")
    assert (code, out) == (2, "")
    assert "No cluster UI address is remembered" in err and "What to do:" in err


SYSTEM_SCOPE = """
import json, sys
from clustertrust.cli.main import main
code = main(["install", sys.argv[1], "--scope", "system", "--yes", "--json"])
assert code == 0, code
print("=====")
code = main(["verify", sys.argv[2], "--json"])
print("=====")
print(code)
"""


@pytest.mark.namespace
@pytest.mark.slow
@pytest.mark.skipif(bool(namespace.unavailable_reason()), reason=namespace.unavailable_reason())
def test_system_scope_is_green_with_the_system_store_covered(
    tmp_path: Path, home: Path, kurrent_tgz: Path, servers: Servers, kurrent: pki.KurrentBundle
) -> None:
    """The real Debian store, changed only inside a private mount namespace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSL_CERT")}
    code = f"import sys; sys.argv = ['-', {str(kurrent_tgz)!r}, {servers.url('mtls')!r}]\n"
    done = namespace.run_python(tmp_path / "ns", code + SYSTEM_SCOPE, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    _, verified, exit_code = done.stdout.split("=====\n")
    consumers = by_name(json.loads(verified))
    assert exit_code.strip() == "0", verified
    system = consumers["System trust store"]
    assert (system["covered"], system["ok"], system["outcome"]) == (True, True, "ok"), system
    assert all(consumers[name]["covered"] and consumers[name]["ok"] for name in BROWSERS)
    assert kurrent.ca.cert_pem not in Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()


def test_browsers_are_judged_on_their_own_database_not_on_the_bundle(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    kurrent: pki.KurrentBundle,
    servers: Servers,
) -> None:
    """The bundle holds the intermediate, so OpenSSL with the bundle (and the command-line
    clients' files) accepts a server that sends only its leaf; the browsers hold only the
    cluster's root CA and cannot: they, and only they, are server_chain_incomplete."""
    files = {**kurrent.files(), "ca.crt": kurrent.ca.cert_pem + servers.intermediate.cert_pem}
    del files["bundle.p12"]
    bundle = tmp_path / "with-intermediate.tar.gz"
    bundle.write_bytes(pki.tar_bytes(files))
    install(capsys, bundle)
    code, document = verify(capsys, servers.url("leaf_only"))
    consumers = by_name(document)
    assert (code, document["outcome"]) == (1, "server_chain_incomplete")
    assert document["modes"]["bundle"]["ok"] is True
    assert consumers["Command-line clients"]["ok"] is True
    for name in BROWSERS:
        assert consumers[name]["outcome"] == "server_chain_incomplete", consumers[name]


def test_trust_taken_away_in_a_browser_says_how_to_give_it_back(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    """The CA is still there (so install would find nothing missing), its trust is not."""
    install(capsys, kurrent_tgz)
    nssdb = home / ".pki/nssdb"
    ca_nick = next(n for n in browsers.nicknames(nssdb) if n.startswith("d4f2example-ca"))
    subprocess.run(["certutil", "-M", "-d", f"sql:{nssdb}", "-n", ca_nick, "-t", ",,"], check=True)
    code, document = verify(capsys, servers.url("mtls"))
    chromium = by_name(document)["Chromium"]
    assert (code, chromium["outcome"]) == (1, "server_untrusted")
    assert "-8172" in chromium["message"]  # SEC_ERROR_UNTRUSTED_ISSUER
    command = chromium["fix"].split("run: ", 1)[1]
    subprocess.run(["sh", "-c", command], check=True)
    assert verify(capsys, servers.url("mtls"))[0] == 0


# Every layout platform/nss.py looks in, and the one name status, the clusters window and verify
# give it (the Firefox profiles as support.browsers makes them: `x<n>abc.<profile name>`)
EVERY_LAYOUT = {
    ".pki/nssdb": "Chromium",
    ".local/share/pki/nssdb": "Chromium (~/.local/share/pki/nssdb)",
    "snap/chromium/current/.pki/nssdb": "Chromium (snap)",
    ".mozilla/firefox/x0abc.default-release": "Firefox (profile default-release)",
    ".mozilla/firefox/x1abc.never-started": "Firefox (profile never-started)",
    ".config/mozilla/firefox/x0abc.default-release": "Firefox (profile default-release, XDG)",
    "snap/firefox/common/.mozilla/firefox/x0abc.default-release": (
        "Firefox (profile default-release, snap)"
    ),
    ".var/app/org.mozilla.firefox/.mozilla/firefox/x0abc.default-release": (
        "Firefox (profile default-release, flatpak)"
    ),
}


def test_status_and_verify_name_each_browser_database_alike(
    capsys: pytest.CaptureFixture[str], home: Path, kurrent_tgz: Path, servers: Servers
) -> None:
    # GIVEN Chromium and Firefox set up by the install, then every other layout made after it
    install(capsys, kurrent_tgz)
    for layout in ("xdg", "snap"):
        browsers.chromium(home, layout)
    for layout in ("xdg", "snap", "flatpak"):
        browsers.firefox(home, {"default-release": True}, layout)

    # WHEN status (what the clusters window's cards show) and verify list their consumers
    code, out, err = cli(capsys, "status", "--json")
    assert code == 0, err
    (cluster,) = json.loads(out)["clusters"]
    _, document = verify(capsys, servers.url("mtls"))

    # THEN each database has the same name in both, and a set-up one is covered in both
    in_status = {c["location"]: c["name"] for c in cluster["consumers"] if c["store"] == "nss"}
    in_verify = {c["location"]: c["name"] for c in document["consumers"] if c["kind"] == "browser"}
    expected = {str(home / folder): name for folder, name in EVERY_LAYOUT.items()}
    assert in_status == expected
    assert in_verify == expected
    # a layout made after the install is not covered yet (Repair adds it), in status and verify
    not_set_up = ("not_set_up", "not_covered")
    set_up = {c["name"]: c["state"] not in not_set_up for c in cluster["consumers"]}
    assert {c["name"]: c["covered"] for c in document["consumers"]} == set_up
    assert sum(set_up.values()) == 4  # Chromium, both classic Firefox profiles, the files
