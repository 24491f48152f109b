"""GIVEN identity files from a real install, WHEN client settings are written, THEN the real
clients take them: Debian's `mysql` (MariaDB) parses the option group written for its flavour
and refuses the other one; the KurrentDB connection string passes the parsers of the Python
(kurrentdbclient) and Node (@kurrent/kurrentdb-client) clients."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.clients import settings as cc
from clustertrust.core.errors import InputError
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform import client_tools
from clustertrust.platform.identity_files import IdentityFilesStore
from support.servers import free_port

REPO = Path(__file__).resolve().parents[3]
NPM_CACHE = REPO / ".cache" / "npm"  # where scripts/dev test installs the Node client
NODE_PACKAGE = "@kurrent/kurrentdb-client"
MYSQL = shutil.which("mysql")
EXIT_UNKNOWN_VARIABLE = 7  # my_getopt.h: an option the client does not know


@pytest.fixture
def installed(
    kurrent_tgz: Path, isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch
) -> cc.ClientFiles:
    """A real install into a data folder whose path needs quoting (a space and a plus)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(isolated_dirs / "my data+more"))
    bundle = read_bundle(load_source(str(kurrent_tgz)))
    ledger = Ledger()
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [IdentityFilesStore()], ledger), ledger)
    return cc.installed_files()


# MySQL / MariaDB


@pytest.mark.parametrize(
    ("output", "flavour"),
    [
        ("mysql  Ver 15.1 Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)", "mariadb"),
        ("mysql from 11.4.2-MariaDB, client 15.2 for Linux (x86_64)", "mariadb"),
        ("mysql  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)", "mysql"),
        ("mysql  Ver 8.4.0 for macos14 on arm64 (Homebrew)", "mysql"),
        ("", None),
    ],
)
def test_flavour_from_the_version_line(output: str, flavour: str | None) -> None:
    assert client_tools.flavour_of(output) == (cc.MysqlFlavour(flavour) if flavour else None)


needs_mysql = pytest.mark.skipif(MYSQL is None, reason="needs a mysql client (mariadb-client)")


def mysql_with(option_file: Path, group: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert MYSQL is not None
    argv = [MYSQL, f"--defaults-file={option_file}", f"--defaults-group-suffix=_{group}", *args]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def variables(option_file: Path, group: str) -> dict[str, str]:
    """The client's own table of the values it will use (`--help --verbose`)."""
    table = mysql_with(option_file, group, "--help", "--verbose").stdout.partition("\n-----")[2]
    rows = (line.split(None, 1) for line in table.splitlines() if line.strip())
    return {row[0]: row[1].strip() for row in rows if len(row) == 2}


@needs_mysql
def test_the_installed_mysql_client_is_detected() -> None:
    version = subprocess.run([MYSQL or "", "--version"], capture_output=True, text=True).stdout
    assert client_tools.mysql_flavour() == client_tools.flavour_of(version) is not None


@needs_mysql
def test_the_real_mysql_client_takes_the_group_written_for_its_flavour(
    installed: cc.ClientFiles, tmp_path: Path
) -> None:
    flavour = client_tools.mysql_flavour()
    assert flavour is not None
    port = free_port()  # nothing listens: the client gets as far as connecting
    option_file = tmp_path / "client.cnf"
    cc.mysql_change("client_ccx", "127.0.0.1", installed, True, flavour, port, option_file).apply()
    values = variables(option_file, "ccx")
    assert installed.cert is not None and installed.key is not None
    assert (values["host"], values["port"]) == ("127.0.0.1", str(port))
    assert values["ssl-ca"] == installed.ca.as_posix()
    assert (values["ssl-cert"], values["ssl-key"]) == (
        installed.cert.as_posix(),
        installed.key.as_posix(),
    )
    if flavour is cc.MysqlFlavour.MARIADB:
        assert values["ssl-verify-server-cert"] == "TRUE"
    else:
        assert values["ssl-mode"] == "VERIFY_IDENTITY"
    tried = mysql_with(option_file, "ccx", "-e", "select 1")
    assert tried.returncode not in (0, EXIT_UNKNOWN_VARIABLE), tried.stderr  # refused: port shut

    other = next(f for f in cc.MysqlFlavour if f is not flavour)
    wrong = tmp_path / "wrong.cnf"
    cc.mysql_change("client_ccx", "127.0.0.1", installed, True, other, port, wrong).apply()
    assert mysql_with(wrong, "ccx", "-e", "select 1").returncode == EXIT_UNKNOWN_VARIABLE


@needs_mysql
def test_cli_detects_the_flavour_and_takes_a_port(
    installed: cc.ClientFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    option_file = tmp_path / "my.cnf"
    argv = ["configure", "mysql", "--host", "db.example", "--name", "ccx", "--port", "3307"]
    capsys.readouterr()
    assert main([*argv, "--file", str(option_file), "--write", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["flavour"] == client_tools.mysql_flavour()
    assert variables(option_file, "ccx")["port"] == "3307"


def test_cli_flavour_flag_wins_and_no_client_is_exit_2(
    installed: cc.ClientFiles,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = ["configure", "mysql", "--host", "db.example", "--name", "ccx"]
    argv += ["--file", str(tmp_path / "my.cnf"), "--json"]
    capsys.readouterr()
    assert main([*argv, "--flavour", "mysql"]) == 0
    assert "ssl-mode=VERIFY_IDENTITY" in json.loads(capsys.readouterr().out)["text"]
    assert main([*argv, "--mariadb"]) == 0
    assert "ssl-verify-server-cert=1" in json.loads(capsys.readouterr().out)["text"]
    monkeypatch.setattr(client_tools.shutil, "which", lambda _name: None)
    assert main(argv) == 2
    assert json.loads(capsys.readouterr().out)["error"]["exit_code"] == 2
    assert not (tmp_path / "my.cnf").exists()


# KurrentDB


def with_password(connection_string: str, password: str) -> str:
    """What the person does with the printed string: their password in the placeholder."""
    return connection_string.replace(f":{cc.PASSWORD_PLACEHOLDER}@", f":{password}@", 1)


def test_kurrentdbclient_parses_the_string_once_the_user_is_given(
    installed: cc.ClientFiles,
) -> None:
    from kurrentdbclient.connection_spec import ConnectionSpec

    bare = cc.kurrentdb_connection_string("c.example", installed)
    with pytest.raises(ValueError):
        ConnectionSpec(bare)  # the Python client wants user info whenever TLS is on
    printed = cc.kurrentdb_connection_string("c.example", installed, user="ops-team_1")
    spec = ConnectionSpec(with_password(printed, "s3cret"))
    assert (spec.username, spec.password) == ("ops-team_1", "s3cret")
    assert spec.targets == ["c.example:2113"]
    assert spec.options.tls is True and spec.options.tls_verify_cert is True
    assert spec.options.tls_ca_file == str(installed.ca)
    assert spec.options.user_cert_file == str(installed.cert)
    assert spec.options.user_key_file == str(installed.key)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The Node client, as scripts/dev test installs it; installed here if npm is present."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("needs npm and node for the KurrentDB Node client")
    package = NPM_CACHE / "node_modules" / NODE_PACKAGE
    if not package.is_dir():
        NPM_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NPM_CACHE), "--no-audit", "--no-fund",
             "--no-save", "--silent", f"{NODE_PACKAGE}@1"],
            check=True, timeout=600,
        )  # fmt: skip
    return NPM_CACHE / "node_modules"


NODE_PARSE = """
const { KurrentDBClient } = require("@kurrent/kurrentdb-client");
const parser = require("@kurrent/kurrentdb-client/dist/Client/parseConnectionString");
const text = process.argv[1];
const parsed = parser.parseConnectionString(text);
KurrentDBClient.connectionString(text);  // reads the files, as a real connection would
process.stdout.write(JSON.stringify(parsed));
process.exit(0);
"""


def node_parse(node_modules: Path, connection_string: str) -> dict:
    done = subprocess.run(
        ["node", "-e", NODE_PARSE, connection_string],
        env={"PATH": os.environ["PATH"], "NODE_PATH": str(node_modules)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("user", ["", "ops"])
def test_the_node_client_parses_the_string_with_and_without_the_user(
    user: str, installed: cc.ClientFiles, node_modules: Path
) -> None:
    printed = cc.kurrentdb_connection_string("c.example", installed, 2114, user=user)
    parsed = node_parse(node_modules, with_password(printed, "s3cret"))
    assert parsed["hosts"] == [{"address": "c.example", "port": 2114}]
    assert parsed["tls"] is True and parsed["dnsDiscover"] is True
    assert parsed["tlsCAFile"] == str(installed.ca)
    assert (parsed["userCertFile"], parsed["userKeyFile"]) == (
        str(installed.cert),
        str(installed.key),
    )
    credentials = parsed.get("defaultCredentials")
    assert credentials == ({"username": user, "password": "s3cret"} if user else None)


@pytest.mark.parametrize("user", ["ops@team", "a b", "x:y", "50%"])
def test_a_user_name_that_would_need_quoting_is_refused(
    user: str, installed: cc.ClientFiles
) -> None:
    with pytest.raises(InputError):
        cc.kurrentdb_connection_string("c.example", installed, user=user)


def test_cli_kurrentdb_user_gives_a_placeholder_never_a_password(
    installed: cc.ClientFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["configure", "kurrentdb", "--host", "c.example", "--user", "ops", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["password_placeholder"] == cc.PASSWORD_PLACEHOLDER
    assert document["connection_string"].startswith(
        f"kurrentdb+discover://ops:{cc.PASSWORD_PLACEHOLDER}@"
    )
