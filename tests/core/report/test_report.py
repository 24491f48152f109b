"""The support report, built from real installs (a real NSS database via certutil/pk12util,
an anchors folder, identity files), a real verification against nginx, and a real Kurrent Cloud
download from the local imitation; then reports and logs are searched for every secret used."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import certinfo, logs, paths
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.bundle.summary import pretty_fingerprint
from clustertrust.core.cloud import kurrent as cloud
from clustertrust.core.report import collect as report
from clustertrust.core.source.load import load_source
from clustertrust.core.verify.run import TrustMode, verify_url
from clustertrust.platform import facts
from clustertrust.platform.facts import tool_versions
from cryptography.hazmat.primitives import serialization
from support import lifecycle_support as life
from support import pki
from support.cloud_server import CLIENT_ID, CloudServer, MemoryKeyring, run_cloud_server
from support.recording import RecordingRunner

P12_PASSWORD = "p12-Pa55word-for-report-test"
REFRESH = "rt-report-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def quiet_logger() -> Iterator[None]:
    yield
    logger = __import__("logging").getLogger(logs.LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()


@pytest.fixture(scope="module")
def cloud_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudServer]:
    yield from run_cloud_server(tmp_path_factory.mktemp("cloud"))


@pytest.fixture(scope="module")
def other_cluster() -> pki.KurrentBundle:
    return pki.kurrent_bundle("b7c1other")


def _forbidden(
    kurrent: pki.KurrentBundle, other: pki.KurrentBundle, spy: life.SecretsSpy
) -> list[str]:
    """Strings that must appear nowhere: key bodies, p12 bodies, passwords, tokens."""
    found = ["PRIVATE KEY", P12_PASSWORD, REFRESH, *spy.secrets]
    for issued in (kurrent.client, kurrent.ca, other.client, other.ca):
        for fmt in (
            serialization.PrivateFormat.PKCS8,
            serialization.PrivateFormat.TraditionalOpenSSL,
        ):
            pem = issued.key.private_bytes(
                serialization.Encoding.PEM, fmt, serialization.NoEncryption()
            )
            found += [line for line in pem.decode().splitlines()[1:-1] if len(line) > 40]
    for p12 in (
        kurrent.files()["bundle.p12"],
        pki.p12_bytes(other.client, [other.ca], P12_PASSWORD.encode()),
    ):
        found.append(base64.b64encode(p12).decode()[400:464])  # its encrypted body: unique
    return found


def _scan(texts: dict[str, str], forbidden: list[str]) -> list[str]:
    return [
        f"{name}: {secret[:12]}…"
        for name, text in texts.items()
        for secret in forbidden
        if secret in text
    ]


def _files_under(*roots: Path) -> dict[str, str]:
    found = {}
    for root in roots:
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file():
                found[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return found


def test_report_from_real_installs_has_everything_and_no_secret(
    tmp_path: Path,
    kurrent: pki.KurrentBundle,
    other_cluster: pki.KurrentBundle,
    cloud_api: CloudServer,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a bundle fetched from (imitated) Kurrent Cloud with a token kept in the keyring
    cloud_api.state.reset()
    cloud_api.state.refresh_tokens.add(REFRESH)
    cloud_api.state.projects[("org", "proj")] = {kurrent.cluster_id: {"id": kurrent.cluster_id}}
    cloud_api.state.bundles[kurrent.cluster_id] = kurrent.files()
    monkeypatch.setenv("SSL_CERT_FILE", str(cloud_api.ca_path))
    cloud.save_settings(cloud.CloudSettings(client_id=CLIENT_ID))
    monkeypatch.setattr("sys.stdin", io.StringIO(REFRESH + "\n"))
    urls = ["--api-url", cloud_api.url, "--identity-url", cloud_api.url]
    assert (
        main(["cloud", "login", "--token-stdin", "--org", "org", "--project", "proj", *urls]) == 0
    )
    fetched = tmp_path / "certificate_bundle.tar.gz"
    assert main(["cloud", "fetch", kurrent.cluster_id, "-o", str(fetched)]) == 0
    # AND it plus a p12-only bundle with its own password are really installed
    spy = life.SecretsSpy()
    setup = life.sandbox(tmp_path / "stores", spy)
    life.install(read_bundle(load_source(str(fetched))), setup)
    p12 = tmp_path / "other.p12"
    p12.write_bytes(pki.p12_bytes(other_cluster.client, [other_cluster.ca], P12_PASSWORD.encode()))
    life.install(read_bundle(load_source(str(p12)), password=P12_PASSWORD), setup)
    assert spy.secrets, "the NSS import passes a one-time p12 password to the runner"
    # AND the cluster was verified
    cluster = life.start_cluster(tmp_path / "cluster", kurrent.ca)
    try:
        verified = verify_url(
            cluster.url, read_bundle(load_source(str(fetched))), modes=(TrustMode.BUNDLE,)
        )
    finally:
        cluster.server.stop()
    assert verified.ok
    capsys.readouterr()

    # WHEN the report is produced as text, JSON and a file
    document = report.collect(setup, facts.machine_facts(setup, spy))
    assert main(["report"]) == 0
    text = capsys.readouterr().out
    assert main(["report", "--json"]) == 0
    as_json = capsys.readouterr().out
    saved = tmp_path / "support.txt"
    assert main(["report", "-o", str(saved)]) == 0

    # THEN it has every installed item with fingerprint, expiry date, days left and presence
    items = document["ledger"]["items"]
    stores = {(i["subject"], i["store"]) for i in items}
    for subject in (
        "d4f2example-ca",
        "d4f2example-kurrentdb-client",
        "b7c1other-ca",
        "b7c1other-kurrentdb-client",
    ):
        assert (subject, "nss") in stores
    assert all(i["present"] is True for i in items if i["store"] in ("nss", "identity-files"))
    ca_item = next(i for i in items if i["subject"] == "d4f2example-ca" and i["store"] == "nss")
    assert ca_item["sha256"] == certinfo.sha256(kurrent.ca.cert)
    assert (
        re.fullmatch(r"\d{4}-\d{2}-\d{2}", ca_item["expires"]) and 80 <= ca_item["days_left"] <= 90
    )
    assert ca_item["expires"] == kurrent.ca.cert.not_valid_after_utc.date().isoformat()
    assert "SHA-256" in text and ca_item["expires"] in text and "present now" in text
    # AND the last verification with its outcome, timings and server chain
    last = json.loads(as_json)["last_verification"]
    assert (
        last["outcome"] == "ok"
        and last["modes"]["bundle"]["server_chain"][0]["subject"] == "127.0.0.1"
    )
    assert (
        "trusting bundle: ok" in text and "handshake" in text and "server chain: 127.0.0.1" in text
    )
    # AND versions, store mechanisms, tools and the end of the log (with the commands run)
    assert "clustertrust 0.1.0" in text or "clustertrust 0.0.0" in text
    assert "WSL:     no" in text and "certutil (NSS): libnss3" in text
    assert any("pk12util" in line and "-> exit 0" in line for line in document["log"]["lines"])
    assert saved.read_text().startswith("ClusterTrust support report")
    assert pretty_fingerprint(ca_item["sha256"]) in saved.read_text()

    # AND no key material, password, token or p12 content anywhere: reports, logs, state, config
    texts = {
        "text": text,
        "json": as_json,
        "file": saved.read_text(),
        "collected": json.dumps(document),
    }
    texts |= _files_under(paths.log_dir(), paths.state_dir(), paths.config_dir())
    assert len(texts) > 6
    assert _scan(texts, _forbidden(kurrent, other_cluster, spy)) == []


def test_report_shows_missing_items_and_expiry_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a bundle that expires in 9 days, installed, then its NSS CA deleted behind our back
    soon = pki.kurrent_bundle("e9soon", days=10)
    spy = life.SecretsSpy()
    setup = life.sandbox(tmp_path / "stores", spy)
    life.install(
        read_bundle(load_source(str(pki.write_files(tmp_path / "b", soon.files())))), setup
    )
    nss_ca = next(r for r in setup.ledger.records() if r.store == "nss" and r.kind == "ca")
    spy.run(["certutil", "-D", "-d", f"sql:{nss_ca.location}", "-n", nss_ca.name])
    # WHEN the report is collected
    document = report.collect(setup, facts.machine_facts(setup, spy))
    text = report.render_text(document)
    # THEN the deleted item is missing and the expiring client certificate is warned about
    gone = next(
        i
        for i in document["ledger"]["items"]
        if i["sha256"] == nss_ca.sha256 and i["store"] == "nss"
    )
    assert gone["present"] is False and "MISSING from its store" in text
    warnings = document["ledger"]["expiry_warnings"]
    until = soon.client.cert.not_valid_after_utc.date().isoformat()
    left = certinfo.days_left(soon.client.cert)
    assert warnings == [f"e9soon-kurrentdb-client expires on {until}, in {left} days."]
    assert any(w.startswith("e9soon-kurrentdb-client expires on") for w in warnings)
    assert "What to do:" in text and "clustertrust renew" in text


def test_a_damaged_ledger_is_reported_not_fatal(capsys: pytest.CaptureFixture[str]) -> None:
    ledger = paths.state_dir() / "ledger.json"
    ledger.parent.mkdir(parents=True)
    ledger.write_text("{not json")
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert "The ledger cannot be read" in out and "damaged" in out
    assert ledger.read_text() == "{not json"


def test_download_addresses_lose_credentials_and_queries() -> None:
    signed = "https://user:pw@files.example:8443/b.tar.gz?X-Amz-Signature=abc&token=t0k"
    assert report.safe_origin(signed) == "https://files.example:8443/b.tar.gz (query removed)"
    assert report.safe_origin("/home/me/bundle.tar.gz") == "/home/me/bundle.tar.gz"


def test_report_to_an_unwritable_place_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt")]) == 2
    assert "could not be written" in capsys.readouterr().err


# Windows and macOS cannot run here: exact command lines against a recording runner, answered
# with the outputs the tools' documentation shows (`ver` in cmd.exe; `sw_vers -productVersion`).


def test_windows_tool_version_comes_from_ver() -> None:
    runner = RecordingRunner().on(
        "ver", stdout="\r\nMicrosoft Windows [Version 10.0.22631.3447]\r\n"
    )
    (tool,) = tool_versions(runner, "win32")
    assert runner.argvs() == [("cmd.exe", "/d", "/c", "ver")]
    assert (tool.name, tool.version) == (
        "certutil.exe",
        "Microsoft Windows [Version 10.0.22631.3447]",
    )


def test_macos_tool_version_comes_from_sw_vers() -> None:
    runner = RecordingRunner().on("-productVersion", stdout="14.4.1\n")
    (tool,) = tool_versions(runner, "darwin")
    assert runner.argvs() == [("/usr/bin/sw_vers", "-productVersion")]
    assert (tool.name, tool.version) == ("security", "macOS 14.4.1")
