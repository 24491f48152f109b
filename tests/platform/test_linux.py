"""Linux system trust store: detection by capability, elevation choice, the privileged
subcommand's input checks, and the real update-ca-certificates + nginx + curl in a namespace."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from clustertrust.cli import privileged_cmd
from clustertrust.cli.main import main
from clustertrust.core import certinfo, i18n
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform import elevation, linux
from clustertrust.platform.runner import CommandError
from support import namespace, pki
from support.recording import RecordingRunner
from support.servers import free_port, mtls_server_block, start_nginx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))
import catalogs


def fake_system(root: Path, anchors: str, tool: str, os_id: str = "") -> Path:
    (root / anchors.lstrip("/")).mkdir(parents=True, exist_ok=True)
    program = root / tool.lstrip("/")
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    if os_id:
        (root / "etc").mkdir(exist_ok=True)
        (root / "etc/os-release").write_text(os_id)
    return root


@pytest.mark.parametrize(
    ("anchors", "tool", "title", "suffix", "refresh"),
    [
        (
            "/usr/local/share/ca-certificates",
            "/usr/sbin/update-ca-certificates",
            "Debian/Ubuntu",
            ".crt",
            (),
        ),
        (
            "/etc/pki/ca-trust/source/anchors",
            "/usr/bin/update-ca-trust",
            "Fedora/RHEL",
            ".pem",
            ("extract",),
        ),
        (
            "/etc/ca-certificates/trust-source/anchors",
            "/usr/bin/trust",
            "Arch",
            ".crt",
            ("extract-compat",),
        ),
        (
            "/usr/share/pki/trust/anchors",
            "/usr/sbin/update-ca-certificates",
            "openSUSE",
            ".pem",
            (),
        ),
    ],
)
def test_each_family_is_found_by_its_folder_and_tool(
    tmp_path: Path, anchors: str, tool: str, title: str, suffix: str, refresh: tuple[str, ...]
) -> None:
    family = linux.detect_family(fake_system(tmp_path, anchors, tool))
    assert family is not None and title in family.title
    assert family.anchors == tmp_path / anchors.lstrip("/") and family.suffix == suffix
    assert family.refresh == (str(tmp_path / tool.lstrip("/")), *refresh)


def test_debian_removal_refreshes_with_fresh(tmp_path: Path) -> None:
    root = fake_system(
        tmp_path, "/usr/local/share/ca-certificates", "/usr/sbin/update-ca-certificates"
    )
    family = linux.detect_family(root)
    assert family is not None and family.refresh_after_remove[1:] == ("--fresh",)


def test_a_folder_without_its_tool_is_not_enough(tmp_path: Path) -> None:
    (tmp_path / "usr/local/share/ca-certificates").mkdir(parents=True)
    assert linux.detect_family(tmp_path) is None


def test_os_release_breaks_ties(tmp_path: Path) -> None:
    fake_system(tmp_path, "/usr/local/share/ca-certificates", "/usr/sbin/update-ca-certificates")
    fake_system(
        tmp_path,
        "/usr/share/pki/trust/anchors",
        "/usr/sbin/update-ca-certificates",
        'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n',
    )
    family = linux.detect_family(tmp_path)
    assert family is not None and "openSUSE" in family.title


def test_an_unsupported_system_gets_manual_steps(
    kurrent: pki.KurrentBundle, tmp_path: Path
) -> None:
    store = linux.LinuxAnchorsStore(RecordingRunner(), None, autodetect=False)
    available = store.detect()
    assert not available.available and "update-ca-certificates" in available.reason
    (tmp_path / "ca.crt").write_bytes(kurrent.ca.cert_pem)
    with pytest.raises(InputError):
        store.plan_install(read_bundle(load_source(str(tmp_path / "ca.crt"))), Scope.SYSTEM)


def test_user_scope_is_refused_with_a_way_out(tmp_path: Path, kurrent: pki.KurrentBundle) -> None:
    family = linux.Family("test", tmp_path, ".crt", (), (), None)
    store = linux.LinuxAnchorsStore(
        RecordingRunner(), family, elevation.Elevation(elevation.Method.DIRECT)
    )
    (tmp_path / "ca.crt").write_bytes(kurrent.ca.cert_pem)
    with pytest.raises(InputError) as raised:
        store.plan_install(read_bundle(load_source(str(tmp_path / "ca.crt"))), Scope.USER)
    assert "--scope system" in raised.value.fix


@pytest.mark.parametrize(
    ("uid", "env", "tty", "method"),
    [
        (0, {}, False, elevation.Method.DIRECT),
        (1000, {"DISPLAY": ":0"}, False, elevation.Method.PKEXEC),
        (1000, {"WAYLAND_DISPLAY": "wayland-0"}, True, elevation.Method.PKEXEC),
        (1000, {}, True, elevation.Method.SUDO),
        (1000, {}, False, elevation.Method.NONE),
    ],
)
def test_elevation_choice(
    monkeypatch: pytest.MonkeyPatch,
    uid: int,
    env: dict[str, str],
    tty: bool,
    method: elevation.Method,
) -> None:
    monkeypatch.setattr(elevation, "find_tool", lambda name, *a, **k: Path(f"/usr/bin/{name}"))
    chosen = elevation.choose(
        uid=uid,
        env=env,
        interactive=tty,
        reason="ClusterTrust needs administrator rights to add a CA.",
    )
    assert chosen.method is method
    if method is elevation.Method.SUDO:
        assert chosen.prefix[:2] == ("/usr/bin/sudo", "-p")
        assert "ClusterTrust needs administrator rights to add a CA" in chosen.prefix[2]


def _elevated_store(tmp_path: Path, method: elevation.Method, prefix: tuple[str, ...]):  # type: ignore[no-untyped-def]
    runner = RecordingRunner()
    family = linux.Family(
        "test",
        tmp_path,
        ".crt",
        ("/usr/sbin/update-ca-certificates",),
        ("/usr/sbin/update-ca-certificates", "--fresh"),
        None,
    )
    return runner, linux.LinuxAnchorsStore(runner, family, elevation.Elevation(method, prefix))


@pytest.fixture
def ca_bundle(tmp_path: Path, kurrent: pki.KurrentBundle) -> Bundle:
    (tmp_path / "ca.crt").write_bytes(kurrent.ca.cert_pem)
    return read_bundle(load_source(str(tmp_path / "ca.crt")))


def test_pkexec_runs_only_our_privileged_subcommand(tmp_path: Path, ca_bundle: Bundle) -> None:
    runner, store = _elevated_store(tmp_path, elevation.Method.PKEXEC, ("/usr/bin/pkexec",))
    (step,) = store.plan_install(ca_bundle, Scope.SYSTEM)
    assert step.needs_authorization
    step.run()
    (call,) = runner.calls
    assert call.argv[0] == "/usr/bin/pkexec"
    assert call.argv[-4:] == ("privileged", "install-ca", "--name", step.record.name)
    assert call.input == certinfo.to_pem(ca_bundle.ca)  # type: ignore[arg-type]
    assert "/usr/bin/pkexec" in step.commands[0] and "update-ca-certificates" in step.commands[0]


@pytest.mark.parametrize(
    ("method", "code", "stderr"),
    [
        (
            elevation.Method.PKEXEC,
            126,
            "Error executing command as another user: Request dismissed",
        ),
        (elevation.Method.PKEXEC, 127, "Error executing command as another user: Not authorized"),
        (elevation.Method.SUDO, 1, "sudo: 3 incorrect password attempts"),
    ],
)
def test_a_refused_authorization_is_exit_3(
    tmp_path: Path, ca_bundle: Bundle, method: elevation.Method, code: int, stderr: str
) -> None:
    runner, store = _elevated_store(tmp_path, method, (f"/usr/bin/{method.value}",))
    runner.on("privileged", returncode=code, stderr=stderr)
    with pytest.raises(Cancelled) as raised:
        store.plan_install(ca_bundle, Scope.SYSTEM)[0].run()
    assert raised.value.exit_code == 3 and "refused" in raised.value.message


def test_a_failing_privileged_command_is_an_error_not_a_cancel(
    tmp_path: Path, ca_bundle: Bundle
) -> None:
    runner, store = _elevated_store(tmp_path, elevation.Method.SUDO, ("/usr/bin/sudo",))
    runner.on(
        "privileged",
        returncode=elevation.HELPER_FAILED,
        stderr="clustertrust: The trust store refresh failed",
    )
    with pytest.raises(CommandError):
        store.plan_install(ca_bundle, Scope.SYSTEM)[0].run()


def test_as_root_the_file_is_written_and_the_refresh_run(tmp_path: Path, ca_bundle: Bundle) -> None:
    runner, store = _elevated_store(tmp_path, elevation.Method.DIRECT, ())
    (step,) = store.plan_install(ca_bundle, Scope.SYSTEM)
    step.run()
    anchor = Path(step.record.location)
    assert anchor.read_bytes() == certinfo.to_pem(ca_bundle.ca)  # type: ignore[arg-type]
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o644
    assert runner.argvs() == [("/usr/sbin/update-ca-certificates",)]
    step.undo()
    assert not anchor.exists()
    assert runner.argvs()[-1] == ("/usr/sbin/update-ca-certificates", "--fresh")


def test_anchor_names_are_sanitised(kurrent: pki.KurrentBundle) -> None:
    odd = pki.make_ca("../../etc/passwd; rm -rf / ÄÖ")
    name = linux.anchor_name(odd.cert)
    assert linux.NAME_PATTERN.match(name) and "/" not in name and name.startswith("clustertrust-")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("leaf", "not a CA"),
        ("two", "exactly one"),
        ("name", "not the name"),
        ("junk", "exactly one"),
    ],
)
def test_the_privileged_subcommand_accepts_only_one_ca(
    kurrent: pki.KurrentBundle, case: str, message: str
) -> None:
    ca = kurrent.ca.cert
    data = {
        "leaf": kurrent.client.cert_pem,
        "two": kurrent.ca.cert_pem + kurrent.ca.cert_pem,
        "name": kurrent.ca.cert_pem,
        "junk": b"hello",
    }[case]
    name = linux.anchor_name(kurrent.client.cert if case == "leaf" else ca)
    with pytest.raises(InputError, match=message):
        privileged_cmd.read_ca(data, "clustertrust-other-0123456789ab" if case == "name" else name)


def test_the_helper_is_told_the_language_as_a_code(tmp_path: Path, ca_bundle: Bundle) -> None:
    runner, store = _elevated_store(tmp_path, elevation.Method.PKEXEC, ("/usr/bin/pkexec",))
    (step,) = store.plan_install(ca_bundle, Scope.SYSTEM)
    catalogs.compile_all()
    i18n.use_languages(["de_DE", "de"])
    try:
        step.run()
    finally:
        i18n.use_languages([])
    (call,) = runner.calls
    assert call.argv[-6:] == ("privileged", "install-ca", "--name", step.record.name, *LANGUAGE)


LANGUAGE = ("--language", "de")


def test_the_privileged_subcommand_refuses_bad_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["privileged", "install-ca", "--name", "../../etc/shadow"]) == 2
    assert "not a ClusterTrust anchor name" in capsys.readouterr().err


def test_the_privileged_subcommand_is_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "privileged" not in capsys.readouterr().out


REASON = namespace.unavailable_reason()
needs_namespace = pytest.mark.skipif(bool(REASON), reason=REASON or "ok")

NS_INSTALL = (
    namespace.SNAPSHOT
    + """
import json, os, subprocess, sys
def curl():
    r = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10',
                        '--cert', os.environ['CT_CERT'], '--key', os.environ['CT_KEY'],
                        os.environ['CT_URL']], capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else f'curl exit {r.returncode}'
def ct(*args):
    r = subprocess.run([sys.executable, '-m', 'clustertrust.cli.main', *args],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return {'rc': r.returncode, 'out': r.stdout, 'err': r.stderr}
# The copy starts as update-ca-certificates itself would leave it (see the test's docstring).
subprocess.run(['/usr/sbin/update-ca-certificates', '--fresh'], capture_output=True, check=True)
result = {'before': snapshot(), 'curl_before': curl()}
result['install'] = ct('install', os.environ['CT_BUNDLE'], '--scope', 'system',
                       '--stores', 'system', '--yes')
result['curl_installed'] = curl()
result['status'] = ct('status', '--json')
result['uninstall'] = ct('uninstall', '--all', '--yes')
result['curl_after'] = curl()
result['after'] = snapshot()
print(json.dumps(result))
"""
)


@pytest.fixture
def mtls_cluster(tmp_path: Path, kurrent: pki.KurrentBundle):  # type: ignore[no-untyped-def]
    """A real nginx on 127.0.0.1 that demands a client certificate from the bundle's CA."""
    server = pki.make_leaf(kurrent.ca, "127.0.0.1", client=False, server_names=["127.0.0.1"])
    files = pki.write_files(
        tmp_path / "server",
        {
            "server.crt": server.cert_pem,
            "server.key": server.key_pem(),
            "ca.crt": kurrent.ca.cert_pem,
        },
    )
    port = free_port()
    block = mtls_server_block(port, files / "server.crt", files / "server.key", files / "ca.crt")
    nginx = start_nginx(tmp_path / "nginx", [block], [port])
    yield f"https://127.0.0.1:{port}/"
    nginx.stop()


@pytest.mark.slow
@pytest.mark.namespace
@needs_namespace
def test_real_update_ca_certificates_install_then_uninstall(
    tmp_path: Path, kurrent: pki.KurrentBundle, mtls_cluster: str
) -> None:
    """The private copy of /etc/ssl/certs is first refreshed with --fresh: on this machine it
    held a CA as a copied file where update-ca-certificates makes a link, and any --fresh run
    (ours on removal included) turns that into the link. From that state on, nothing differs."""
    client = pki.write_files(
        tmp_path / "client",
        {"tls.crt": kurrent.client.cert_pem, "tls.key": kurrent.client.key_pem()},
    )
    bundle = tmp_path / "certificate_bundle.tar.gz"
    bundle.write_bytes(pki.tar_bytes(kurrent.files()))
    done = namespace.run_python(
        tmp_path / "ns",
        NS_INSTALL,
        {
            "CT_CERT": str(client / "tls.crt"),
            "CT_KEY": str(client / "tls.key"),
            "CT_URL": mtls_cluster,
            "CT_BUNDLE": str(bundle),
        },
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["curl_before"] == "curl exit 60"  # the server's CA is not trusted
    assert result["install"]["rc"] == 0, result["install"]
    assert "Installed: 1 change(s)" in result["install"]["out"]
    assert result["curl_installed"] == "200"
    (item,) = json.loads(result["status"]["out"])["items"]
    assert item["present"] is True and item["store"] == "linux-anchors"
    assert item["location"].startswith("/usr/local/share/ca-certificates/clustertrust-")
    assert result["uninstall"]["rc"] == 0, result["uninstall"]
    assert result["curl_after"] == "curl exit 60"
    assert result["after"] == result["before"]  # no dangling link, nothing left behind


NS_PRIVILEGED = """
import json, os, subprocess, sys
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.source.load import load_source
from clustertrust.platform import elevation, linux
from clustertrust.platform.runner import SubprocessRunner
from clustertrust.core.model import Scope
# The elevated path for real, minus the prompt: we are root already, so the prefix is empty.
store = linux.LinuxAnchorsStore(SubprocessRunner(), elevation=elevation.Elevation(
    elevation.Method.SUDO, ()))
bundle = read_bundle(load_source(os.environ['CT_CA']))
(step,) = store.plan_install(bundle, Scope.SYSTEM)
step.run()
result = {'installed': store.is_installed(step.record),
          'linked': any('clustertrust-' in n for n in os.listdir('/etc/ssl/certs'))}
step.undo()
result['removed'] = not store.is_installed(step.record)
leaf = subprocess.run([sys.executable, '-m', 'clustertrust.cli.main', 'privileged', 'install-ca',
                       '--name', step.record.name], input=open(os.environ['CT_LEAF'], 'rb').read(),
                      capture_output=True)
result['leaf_rc'] = leaf.returncode
result['anchors'] = sorted(os.listdir('/usr/local/share/ca-certificates'))
print(json.dumps(result))
"""


@pytest.mark.slow
@pytest.mark.namespace
@needs_namespace
def test_real_privileged_subcommand_in_a_namespace(
    tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    files = pki.write_files(
        tmp_path / "in", {"ca.crt": kurrent.ca.cert_pem, "leaf.crt": kurrent.client.cert_pem}
    )
    done = namespace.run_python(
        tmp_path / "ns",
        NS_PRIVILEGED,
        {"CT_CA": str(files / "ca.crt"), "CT_LEAF": str(files / "leaf.crt")},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["installed"] and result["linked"] and result["removed"]
    assert result["leaf_rc"] == 2  # not a CA: refused, nothing written
    assert not any(n.startswith("clustertrust-") for n in result["anchors"])
    assert os.listdir(namespace.ANCHORS) == os.listdir(tmp_path / "ns" / "anchors")


ENV_HOOK = """#!/bin/sh
# An update.d hook: update-ca-certificates runs it as root, so it sees the helper's environment.
{{ pwd; env | sort; }} > {out}
"""
PLANTED = "import os\nopen({marker!r}, 'w').write('imported as uid %d' % os.geteuid())\n"


@pytest.mark.slow
@pytest.mark.namespace
@needs_namespace
def test_a_package_planted_in_the_working_folder_never_runs_as_root(
    tmp_path: Path, kurrent_tgz: Path
) -> None:
    """GIVEN a `clustertrust/` package in the folder a desktop user starts a system install from,
    and a pkexec stand-in that keeps that folder and the caller's environment;
    WHEN the install re-runs our helper as root and update-ca-certificates runs;
    THEN the planted package is never imported, and the tools see only a fixed environment."""
    reason = namespace.nested_user_namespaces_reason()
    if reason:
        pytest.skip(reason)
    work, home, marker = tmp_path / "ns", tmp_path / "home", tmp_path / "planted-ran"
    planted = tmp_path / "downloads" / "clustertrust"
    planted.mkdir(parents=True)
    (planted / "__init__.py").write_text(PLANTED.format(marker=str(marker)))
    (planted / "cli").mkdir()
    (planted / "cli" / "__init__.py").write_text("")
    (planted / "cli" / "main.py").write_text(PLANTED.format(marker=str(marker)))
    home.mkdir()
    namespace.install_pkexec_stand_in(work, tmp_path / "pkexec-calls")
    copies = namespace.prepare(work)
    hook = copies["hooks"] / "zz-env"
    hook.write_text(ENV_HOOK.format(out=tmp_path / "hook-env"))
    hook.chmod(0o755)
    clustertrust = str(Path(sys.executable).parent / "clustertrust")
    command = [clustertrust, "install", str(kurrent_tgz), "--scope", "system", "--yes"]
    done = namespace.run_as_desktop_user(work, home, command, cwd=planted.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not marker.exists(), marker.read_text()
    assert "-I" in (tmp_path / "pkexec-calls").read_text().split("\n")
    _, *env = (tmp_path / "hook-env").read_text().splitlines()  # (update-ca-certificates cds)
    names = {line.split("=", 1)[0] for line in env}
    assert {"HOME", "DISPLAY"}.isdisjoint(names), env  # nothing the caller set reaches the tools
    assert env_value(env, "PATH") == privileged_cmd.SAFE_ENV["PATH"]
    remove = namespace.run_as_desktop_user(
        work, home, [clustertrust, "uninstall", "--all", "--yes"]
    )
    assert remove.returncode == 0, remove.stdout + remove.stderr
    assert not list(copies["anchors"].glob("clustertrust-*")), "the anchor stayed"
    assert not marker.exists()


def env_value(env: list[str], name: str) -> str:
    return next(line.split("=", 1)[1] for line in env if line.startswith(f"{name}="))


@pytest.mark.parametrize("name", ["clustertrust-abc\n", "clustertrust-abc/../x", "clustertrust-"])
def test_anchor_names_must_match_whole(name: str) -> None:
    with pytest.raises(InputError):
        linux.check_name(name)


def _registered_family(tmp_path: Path) -> linux.Family:
    (tmp_path / "anchors").mkdir()
    registry = tmp_path / "var" / "system-anchors.json"
    return linux.Family("test", tmp_path / "anchors", ".crt", (), (), None, registry=registry)


def test_only_anchors_we_listed_are_removed(tmp_path: Path, kurrent: pki.KurrentBundle) -> None:
    family = _registered_family(tmp_path)
    foreign = family.anchor("clustertrust-someone-else-0123456789ab")
    foreign.write_bytes(kurrent.ca.cert_pem)
    with pytest.raises(InputError, match="not an anchor ClusterTrust installed"):
        linux.remove_anchor(family, "clustertrust-someone-else-0123456789ab")
    assert foreign.exists()
    name = "clustertrust-ours-0123456789ab"
    linux.install_anchor(family, name, kurrent.ca.cert_pem, "ab" * 32)
    assert stat.S_IMODE(family.registry.stat().st_mode) == 0o644  # type: ignore[union-attr]
    linux.remove_anchor(family, name)
    assert not family.anchor(name).exists()
    assert name not in linux.anchor_registry.names(family.registry)  # type: ignore[arg-type]


def test_a_registry_behind_a_link_is_refused(tmp_path: Path) -> None:
    family = _registered_family(tmp_path)
    (tmp_path / "elsewhere.json").write_text('{"format": 1, "anchors": {}}')
    family.registry.parent.mkdir()  # type: ignore[union-attr]
    family.registry.symlink_to(tmp_path / "elsewhere.json")  # type: ignore[union-attr]
    with pytest.raises(OperationFailed, match="link"):
        linux.install_anchor(family, "clustertrust-ours-0123456789ab", b"", "ab" * 32)
    assert not family.anchor("clustertrust-ours-0123456789ab").exists()


@pytest.mark.parametrize("failure", ["refresh", "crash"])
def test_the_privileged_helper_never_exits_1_which_sudo_uses_for_a_refusal(
    tmp_path: Path,
    kurrent: pki.KurrentBundle,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    """GIVEN a refresh that fails, or any unexpected error, in the helper run as root;
    THEN it exits HELPER_FAILED, so the caller never mistakes it for a refused password."""
    if os.geteuid() != 0:
        pytest.skip("the helper refuses to run without root")
    family = _registered_family(tmp_path)
    monkeypatch.setattr(linux, "detect_family", lambda: family)
    monkeypatch.chdir(tmp_path)

    def failing_refresh(*args: object, **kwargs: object) -> None:
        if failure == "crash":
            raise RuntimeError("unexpected")
        raise CommandError(("/usr/sbin/update-ca-certificates",), 1, "boom")

    monkeypatch.setattr(linux, "refresh", failing_refresh)
    name = linux.anchor_name(kurrent.ca.cert)
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(kurrent.ca.cert_pem)}))
    assert main(["privileged", "install-ca", "--name", name]) == elevation.HELPER_FAILED
    assert main(["privileged", "remove-ca", "--name", "clustertrust-x\n"]) == 2
