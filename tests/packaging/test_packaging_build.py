"""The Linux desktop app for real: `python packaging/build.py`, then the frozen binary.

One build per run (about a minute on 2 cores), shared by every test here. Marked slow; `.ci/run`
runs it with the rest of the suite. Prints the build time and the app's size.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import pki
from support.cli_runs import cli

ROOT = Path(__file__).resolve().parents[2]
BUDGET_BYTES = 150_000_000
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux app"),
]


@dataclass(frozen=True)
class BuiltApp:
    dist: Path
    seconds: float
    output: str

    @property
    def folder(self) -> Path:
        return self.dist / "clustertrust"

    @property
    def binary(self) -> Path:
        return self.folder / "clustertrust"

    @property
    def tarball(self) -> Path:
        return next(self.dist.glob("clustertrust-*-linux-*.tar.gz"))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> BuiltApp:
    out = tmp_path_factory.mktemp("packaging")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"),
         "--dist", str(out / "dist"), "--work", str(out / "work")],
        capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return BuiltApp(out / "dist", time.monotonic() - started, result.stdout)


def run(app: BuiltApp, *arguments: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(app.binary), *arguments], capture_output=True, text=True, timeout=120, **kwargs
    )  # type: ignore[call-overload]


def pyproject_version() -> str:
    match = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert match
    return match.group(1)


def test_onedir_size_is_within_budget(app: BuiltApp, capsys: pytest.CaptureFixture[str]) -> None:
    files = [p for p in app.folder.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    with capsys.disabled():
        print(
            f"\n[packaging] build {app.seconds:.0f} s; dist/clustertrust {size / 1e6:.1f} MB "
            f"({size / 2**20:.1f} MiB, {len(files)} files); tarball "
            f"{app.tarball.stat().st_size / 1e6:.1f} MB; budget {BUDGET_BYTES / 1e6:.0f} MB"
        )
    assert f"{size / 1e6:.1f} MB" in app.output  # build.py reports the same figure
    assert size <= BUDGET_BYTES


def test_frozen_version_is_the_pyproject_version(app: BuiltApp) -> None:
    result = run(app, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"clustertrust {pyproject_version()}"


def test_frozen_inspect_reads_a_generated_bundle_like_the_installed_cli(
    app: BuiltApp, kurrent: pki.KurrentBundle, kurrent_tgz: Path, isolated_dirs: Path
) -> None:
    frozen = run(app, "inspect", str(kurrent_tgz), "--json")
    assert frozen.returncode == 0, frozen.stderr
    document = json.loads(frozen.stdout)
    assert (
        document["ca"]["sha256"].replace(":", "").lower()
        == hashlib.sha256(kurrent.ca.cert_der).hexdigest()
    )
    assert (
        document["client"]["sha256"].replace(":", "").lower()
        == hashlib.sha256(kurrent.client.cert_der).hexdigest()
    )
    assert document["has_key"] is True
    installed = cli(isolated_dirs, "inspect", str(kurrent_tgz), "--json")
    assert json.loads(installed.out) == document


def test_frozen_inspect_of_a_wrong_file_says_what_to_do_and_exits_2(
    app: BuiltApp, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate\n")
    result = run(app, "inspect", str(notes))
    assert result.returncode == 2
    assert "No certificate was found" in result.stderr and "What to do" in result.stderr
    assert result.stdout == ""


UNUSED_FILES = {
    "libQt6Qml.so.6",
    "libQt6Quick.so.6",
    "libQt6Pdf.so.6",
    "libQt6Network.so.6",
    "libQt6Sql.so.6",
    "QtQml.abi3.so",
    "QtNetwork.abi3.so",
    "libqgtk3.so",
    "libgtk-3.so.0",
    "libcairo.so.2",
}
NEEDED_PLUGINS = (
    "platforms/libqxcb.so",
    "platforms/libqwayland.so",
    "platforms/libqoffscreen.so",
    "iconengines/libqsvgicon.so",
    "platformthemes/libqxdgdesktopportal.so",
)


def test_frozen_app_leaves_out_the_qt_it_does_not_use(app: BuiltApp) -> None:
    internal = app.folder / "_internal"
    assert not UNUSED_FILES & {p.name for p in internal.rglob("*")}
    assert [p.name for p in internal.rglob("translations/*.qm")] == ["qtbase_de.qm"]
    catalog = internal / "clustertrust" / "resources" / "locale" / "de" / "LC_MESSAGES"
    assert (catalog / "clustertrust.mo").is_file()
    plugins = internal / "PySide6" / "Qt" / "plugins"
    assert [name for name in NEEDED_PLUGINS if not (plugins / name).is_file()] == []
    resources = {p.name for p in (internal / "clustertrust" / "resources").iterdir()}
    assert {"clustertrust-256.png", "clustertrust.svg", "clustertrust.desktop"} <= resources


def start_wizard(app: BuiltApp, env: dict[str, str], *arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(app.binary), *arguments],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env},
    )  # fmt: skip


def stop_wizard(process: subprocess.Popen[str]) -> tuple[bool, int, str]:
    """(was it still running, exit code, stderr). A running wizard gets Ctrl+C, which closes
    its window (gui/app.py); the app must then exit by itself."""
    running = process.poll() is None
    if running:
        process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
        pytest.fail(f"the frozen wizard did not close on Ctrl+C: {stderr}")
    return running, process.returncode, stderr


def test_frozen_wizard_runs_offscreen_and_closes_cleanly(app: BuiltApp) -> None:
    process = start_wizard(app, {"QT_QPA_PLATFORM": "offscreen"})
    time.sleep(4)
    still_running, code, stderr = stop_wizard(process)
    assert still_running, f"the frozen wizard exited early ({code}): {stderr}"
    assert code == 0, stderr
    assert "Traceback" not in stderr and "could not" not in stderr.lower(), stderr


def test_frozen_wizard_loads_qts_own_german_from_the_app(app: BuiltApp) -> None:
    """Shipping qtbase_de.qm is not enough: the frozen Qt must find it where PyInstaller put it
    (its translations path), or "< Back" and "Cancel" stay English beside German text. The
    wizard's log (-v: also on stderr) names the file its QTranslator loaded."""
    german = {"QT_QPA_PLATFORM": "offscreen", "LANG": "de_DE.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
    process = start_wizard(app, german, "-v")
    time.sleep(4)
    still_running, code, stderr = stop_wizard(process)
    assert still_running and code == 0, stderr
    loaded = re.search(r"Language de; Qt's own words from (\S+)$", stderr, re.M)
    assert loaded, stderr
    translations = app.folder / "_internal" / "PySide6" / "Qt" / "translations"
    assert Path(loaded.group(1)).resolve() == (translations / "qtbase_de.qm").resolve()


@pytest.fixture
def x_display() -> Iterator[str]:
    """A private Xvfb server; its display number comes from Xvfb itself (-displayfd)."""
    if not (shutil.which("Xvfb") and shutil.which("xwininfo")):
        pytest.skip("needs Xvfb and xwininfo (xvfb, x11-utils; scripts/dev installs them)")
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1280x800x24"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert server.stdout
    ready, _, _ = select.select([server.stdout], [], [], 20)
    number = server.stdout.readline().strip() if ready else ""
    try:
        assert number.isdigit(), "Xvfb did not report a display number"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def top_level_titles(display: str) -> str:
    return subprocess.run(
        ["xwininfo", "-root", "-children", "-display", display],
        capture_output=True, text=True, timeout=10,
    ).stdout  # fmt: skip


def test_frozen_wizard_opens_its_window_on_a_real_x_server(app: BuiltApp, x_display: str) -> None:
    """The bundled xcb plugin and the libraries copied with it really work, not just offscreen."""
    process = start_wizard(app, {"QT_QPA_PLATFORM": "xcb", "DISPLAY": x_display})
    deadline, titles = time.monotonic() + 20, ""
    while time.monotonic() < deadline and process.poll() is None:
        titles = top_level_titles(x_display)
        if '"ClusterTrust"' in titles:
            break
        time.sleep(0.3)
    _, code, stderr = stop_wizard(process)
    assert '"ClusterTrust"' in titles, f"no ClusterTrust window (exit {code}): {stderr}"
    assert code == 0, stderr


def test_tarball_installs_for_a_user_and_the_installed_app_runs(
    app: BuiltApp, tmp_path: Path, isolated_dirs: Path
) -> None:
    with tarfile.open(app.tarball) as archive:
        assert all(m.uid == 0 and not m.name.startswith(("/", "..")) for m in archive.getmembers())
        archive.extractall(tmp_path / "unpacked", filter="tar")
    (release,) = (tmp_path / "unpacked").iterdir()
    assert release.name == f"clustertrust-{pyproject_version()}"
    installed = subprocess.run(
        ["sh", str(release / "install.sh")], capture_output=True, text=True, timeout=300
    )
    assert installed.returncode == 0, installed.stderr
    command = isolated_dirs / ".local" / "bin" / "clustertrust"
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"clustertrust {pyproject_version()}"
    entry = Path(os.environ["XDG_DATA_HOME"]) / "applications" / "clustertrust.desktop"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True
        )
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    removed = subprocess.run(
        ["sh", str(release / "install.sh"), "--uninstall"], capture_output=True, text=True
    )
    assert removed.returncode == 0, removed.stderr
    assert not command.exists() and not entry.exists()
    assert not (isolated_dirs / ".local" / "lib" / "clustertrust").exists()


FROZEN_PRIVILEGED = """
import json, os, subprocess, sys
frozen, name, pem = sys.argv[1], sys.argv[2], open(sys.argv[3], 'rb').read()
def helper(*verb):
    done = subprocess.run([frozen, 'privileged', *verb, '--name', name], input=pem,
                          capture_output=True)
    return done.returncode, done.stderr.decode()
anchor = '/usr/local/share/ca-certificates/' + name + '.crt'
result = {'install': helper('install-ca'), 'anchor': os.path.exists(anchor),
          'bundle': pem.strip() in open('/etc/ssl/certs/ca-certificates.crt', 'rb').read()}
result['remove'] = helper('remove-ca')
result['anchor_after'] = os.path.exists(anchor)
result['bundle_after'] = pem.strip() in open('/etc/ssl/certs/ca-certificates.crt', 'rb').read()
print(json.dumps(result))
"""


def test_frozen_privileged_helper_changes_the_system_store_in_a_namespace(
    app: BuiltApp, tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    """What pkexec runs: the frozen binary itself (sys.executable), `privileged install-ca`."""
    from clustertrust.platform import linux
    from cryptography import x509
    from support import namespace

    reason = namespace.unavailable_reason()
    if reason:
        pytest.skip(reason)
    ca_file = tmp_path / "ca.crt"
    ca_file.write_bytes(kurrent.ca.cert_pem)
    name = linux.anchor_name(x509.load_pem_x509_certificate(kurrent.ca.cert_pem))
    code = f"import sys; sys.argv = ['-', {str(app.binary)!r}, {name!r}, {str(ca_file)!r}]\n"
    done = namespace.run_python(tmp_path / "ns", code + FROZEN_PRIVILEGED)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["install"] == [0, ""] and result["anchor"] and result["bundle"]
    assert result["remove"] == [0, ""]
    assert not result["anchor_after"] and not result["bundle_after"]
    assert (
        kurrent.ca.cert_pem.strip() not in Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()
    )


def run_on_a_foreign_distribution(
    work: Path, extra_ca: bytes, command: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run `command` where the build machine's OpenSSL folder (/usr/lib/ssl) does not exist, as
    on Fedora, Arch or openSUSE, and the system bundle also trusts `extra_ca`. No SSL_CERT_FILE
    or SSL_CERT_DIR either (this machine sets them; users' desktops do not)."""
    certs = work / "certs"
    shutil.copytree("/etc/ssl/certs", certs, symlinks=True)
    bundle = certs / "ca-certificates.crt"
    bundle.unlink()  # may be a link into the real folder: write a private copy instead
    bundle.write_bytes(Path("/etc/ssl/certs/ca-certificates.crt").read_bytes() + extra_ca)
    shell = (
        f"mount --make-rprivate / && mount --bind {certs} /etc/ssl/certs && "
        'mount -t tmpfs tmpfs /usr/lib/ssl && exec "$@"'
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", shell, "sh", *command],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def test_frozen_download_finds_the_system_ca_bundle_of_another_distribution(
    app: BuiltApp, tmp_path: Path, kurrent_tgz: Path
) -> None:
    """HTTPS downloads find this machine's CA bundle even where the build machine's OpenSSL folder
    is missing (Fedora, Arch, openSUSE): downloads trust the system through truststore, which
    looks in the known bundle locations, and packaging/rthooks/ssl_system_store.py covers plain
    ssl contexts in the frozen app. A plain default context, which finds nothing there, is the
    control that the folder really is hidden."""
    from support import namespace
    from support.https_server import Route, make_server_pki, serve_https

    reason = namespace.unavailable_reason()
    if reason or not Path("/usr/lib/ssl").is_dir():
        pytest.skip(reason or "the build machine's OpenSSL folder is not /usr/lib/ssl")
    server = make_server_pki(tmp_path / "server")
    routes = {"/certificate_bundle.tar.gz": Route(body=kurrent_tgz.read_bytes())}
    with serve_https(server, routes) as (url, _):
        inspect = ["inspect", f"{url}/certificate_bundle.tar.gz", "--json"]
        frozen = run_on_a_foreign_distribution(
            tmp_path / "frozen", server.ca.cert_pem, [str(app.binary), *inspect]
        )
        installed = run_on_a_foreign_distribution(
            tmp_path / "installed",
            server.ca.cert_pem,
            [sys.executable, "-m", "clustertrust.cli.main", *inspect],
        )
    stats = "import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])"
    control = run_on_a_foreign_distribution(
        tmp_path / "control", server.ca.cert_pem, [sys.executable, "-c", stats]
    )
    assert control.stdout.strip() == "0", "the OpenSSL folder is not hidden: test is void"
    for done in (frozen, installed):
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["has_key"] is True


def test_frozen_system_install_reruns_the_frozen_binary_through_pkexec(
    app: BuiltApp, tmp_path: Path, kurrent: pki.KurrentBundle, kurrent_tgz: Path
) -> None:
    """The whole system-scope flow of the frozen app as a desktop user: the plan, pkexec running
    `<frozen binary> privileged install-ca`, update-ca-certificates, then uninstall the same way."""
    from support import namespace

    reason = namespace.unavailable_reason() or namespace.nested_user_namespaces_reason()
    if reason or not namespace.HOOKS.is_dir():
        pytest.skip(reason or f"no {namespace.HOOKS}")
    log, home = tmp_path / "pkexec-calls", tmp_path / "home"
    namespace.install_pkexec_stand_in(tmp_path / "ns", log)
    home.mkdir()
    install = namespace.run_as_desktop_user(
        tmp_path / "ns",
        home,
        [str(app.binary), "install", str(kurrent_tgz), "--scope", "system", "--yes"],
    )
    assert install.returncode == 0, install.stdout + install.stderr
    anchors = sorted(p.name for p in (tmp_path / "ns" / "anchors").glob("clustertrust-*.crt"))
    bundle = (tmp_path / "ns" / "certs" / "ca-certificates.crt").read_bytes()
    assert len(anchors) == 1 and kurrent.ca.cert_pem.strip() in bundle
    name = anchors[0].removesuffix(".crt")
    remove = namespace.run_as_desktop_user(
        tmp_path / "ns", home, [str(app.binary), "uninstall", "--all", "--yes"]
    )
    assert remove.returncode == 0, remove.stdout + remove.stderr
    calls = [c.split("\n") for c in log.read_text().strip("-\n").split("\n----\n")]
    frozen = os.path.realpath(app.binary)
    assert calls == [
        [frozen, "privileged", "install-ca", "--name", name],
        [frozen, "privileged", "remove-ca", "--name", name],
    ]
    assert list((tmp_path / "ns" / "anchors").glob("clustertrust-*")) == []
    assert (
        kurrent.ca.cert_pem.strip()
        not in (tmp_path / "ns" / "certs" / "ca-certificates.crt").read_bytes()
    )
    assert (
        kurrent.ca.cert_pem.strip() not in Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()
    )
