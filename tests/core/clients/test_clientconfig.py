"""Client configuration writers: real identity files from a real install, merged into real
existing files, parsed back by configparser / PyYAML, and a real psql against a real TLS
PostgreSQL server using the written service."""

from __future__ import annotations

import configparser
import json
import stat
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from clustertrust.cli.main import main
from clustertrust.core import certinfo, paths
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.clients import settings as cc
from clustertrust.core.clients.optionfile import BACKUP_SUFFIX
from clustertrust.core.errors import InputError
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform.identity_files import IdentityFilesStore
from cryptography.hazmat.primitives import serialization
from support import pki, postgres_server

EXISTING_KUMACTL = """\
contexts:
- controlPlane: prod
  defaults:
    mesh: payments
  name: prod
controlPlanes:
- coordinates:
    apiServer:
      url: https://kuma-prod.example:5682
      headers:
      - key: x-team
        value: payments
  name: prod
currentContext: prod
"""

EXISTING_PG = """\
# my services, written by hand
[reporting]
host=reports.example
dbname=reports   # the nightly one

[orders]
host=old-host.example
dbname=orders
application_name=orders-cli
sslmode=require
"""

EXISTING_MY_CNF = """\
# The MySQL client options
[client]
user=alice
port=3306

[mysqld]
bind-address=127.0.0.1

[client_ccx]
ssl_ca=/old/path/ca.pem
compress
"""


@pytest.fixture
def installed(kurrent_tgz: Path) -> cc.ClientFiles:
    """The identity files of a real install (identity-files store, real ledger, real files)."""
    bundle = read_bundle(load_source(str(kurrent_tgz)))
    ledger = Ledger()
    plan = plans.plan_install(bundle, Scope.USER, [IdentityFilesStore()], ledger)
    plans.apply_plan(plan, ledger)
    return cc.installed_files()


def test_installed_files_are_absolute_under_the_data_folder_with_a_private_key(
    installed: cc.ClientFiles, kurrent: pki.KurrentBundle
) -> None:
    assert installed.cert is not None and installed.key is not None
    for path in (installed.ca, installed.cert, installed.key):
        assert path.is_absolute() and path.is_relative_to(paths.data_dir())
    assert stat.S_IMODE(installed.key.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(installed.key.read_bytes(), password=None)
    assert certinfo.key_matches(kurrent.client.cert, key)


def test_kurrentdb_connection_string_names_the_files(installed: cc.ClientFiles) -> None:
    text = cc.kurrentdb_connection_string("abc.mesdb.example", installed)
    parsed = urllib.parse.urlsplit(text)
    assert (parsed.scheme, parsed.netloc) == ("kurrentdb+discover", "abc.mesdb.example:2113")
    query = dict(urllib.parse.parse_qsl(parsed.query))
    assert query == {
        "tls": "true",
        "tlsCaFile": str(installed.ca),
        "userCertFile": str(installed.cert),
        "userKeyFile": str(installed.key),
    }
    single = cc.kurrentdb_connection_string("h", installed, 2114, discover=False)
    assert single.startswith("kurrentdb://h:2114?")


def test_kurrentdb_needs_a_client_identity(tmp_path: Path, kurrent: pki.KurrentBundle) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_bytes(kurrent.ca.cert_pem)
    with pytest.raises(InputError, match="needs a client certificate"):
        cc.kurrentdb_connection_string("h", cc.ClientFiles(ca))


def test_kumactl_entry_is_added_beside_existing_ones(
    installed: cc.ClientFiles, isolated_dirs: Path
) -> None:
    # GIVEN a kumactl config with a production control plane
    config = isolated_dirs / ".kumactl" / "config"
    config.parent.mkdir()
    config.write_text(EXISTING_KUMACTL)
    # WHEN the cluster's control plane is added without switching to it
    change = cc.kumactl_change("staging", "kuma.example", installed, use=False)
    assert config.read_text() == EXISTING_KUMACTL  # nothing written yet
    backup = change.apply()
    # THEN the YAML parser sees both entries and the old one is untouched
    document = yaml.safe_load(config.read_text())
    assert document["currentContext"] == "prod"
    prod, staging = document["controlPlanes"]
    assert prod == yaml.safe_load(EXISTING_KUMACTL)["controlPlanes"][0]
    assert staging == {
        "name": "staging",
        "coordinates": {
            "apiServer": {
                "url": "https://kuma.example:5682",
                "caCertFile": str(installed.ca),
                "clientCertFile": str(installed.cert),
                "clientKeyFile": str(installed.key),
            }
        },
    }
    assert {
        "name": "staging",
        "controlPlane": "staging",
        "defaults": {"mesh": "default"},
    } in document["contexts"]
    assert backup is not None and backup.read_text() == EXISTING_KUMACTL
    # AND doing it again changes nothing; switching to it changes only currentContext
    assert not cc.kumactl_change("staging", "kuma.example", installed, use=False).changed
    switched = yaml.safe_load(cc.kumactl_change("staging", "kuma.example", installed).new_text)
    assert (
        switched["currentContext"] == "staging"
        and switched["controlPlanes"] == document["controlPlanes"]
    )


def test_kumactl_new_file_and_broken_file(installed: cc.ClientFiles, isolated_dirs: Path) -> None:
    change = cc.kumactl_change("cp", "kuma.example", installed)
    change.apply()
    assert yaml.safe_load(cc.default_kumactl_config().read_text())["currentContext"] == "cp"
    broken = isolated_dirs / "broken.yaml"
    broken.write_text("controlPlanes: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML") as caught:
        cc.kumactl_change("cp", "kuma.example", installed, path=broken)
    assert caught.value.exit_code == 2
    assert broken.read_text() == "controlPlanes: [unclosed\n"


def test_pg_service_merges_and_keeps_comments_and_other_services(
    installed: cc.ClientFiles, isolated_dirs: Path
) -> None:
    service_file = isolated_dirs / ".pg_service.conf"
    service_file.write_text(EXISTING_PG)
    cc.pg_service_change("orders", "db.example", installed).apply()
    text = service_file.read_text()
    assert "# my services, written by hand" in text and "dbname=reports   # the nightly one" in text
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    assert dict(parser["reporting"]) == {
        "host": "reports.example",
        "dbname": "reports   # the nightly one",
    }
    assert dict(parser["orders"]) == {
        "host": "db.example",
        "dbname": "orders",
        "application_name": "orders-cli",
        "sslmode": "verify-full",
        "port": "5432",
        "sslrootcert": str(installed.ca),
        "sslcert": str(installed.cert),
        "sslkey": str(installed.key),
    }


def test_pg_service_verify_ca_and_pgservicefile(
    installed: cc.ClientFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "services.conf"))
    change = cc.pg_service_change("inner", "10.0.0.5", installed, verify_hostname=False)
    assert change.path == tmp_path / "services.conf" and change.old_text == ""
    change.apply()
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(change.path)
    assert parser["inner"]["sslmode"] == "verify-ca"
    assert stat.S_IMODE(change.path.stat().st_mode) == 0o600


def test_mysql_group_merges_keeps_includes_and_replaces_underscore_spellings(
    installed: cc.ClientFiles, isolated_dirs: Path
) -> None:
    option_file = isolated_dirs / ".my.cnf"
    option_file.write_text(EXISTING_MY_CNF + "!includedir /etc/mysql/conf.d/\n")
    cc.mysql_change("client_ccx", "ccx.example", installed, verify_hostname=False).apply()
    text = option_file.read_text()
    assert "!includedir /etc/mysql/conf.d/" in text and "# The MySQL client options" in text
    assert "/old/path/ca.pem" not in text
    parser = configparser.ConfigParser(interpolation=None, allow_no_value=True)
    parser.read_string("\n".join(ln for ln in text.splitlines() if not ln.startswith("!")))
    assert dict(parser["client"]) == {"user": "alice", "port": "3306"}
    assert dict(parser["mysqld"]) == {"bind-address": "127.0.0.1"}
    group = dict(parser["client_ccx"])
    assert group == {
        "ssl-ca": installed.ca.as_posix(),
        "compress": None,
        "host": "ccx.example",
        "ssl-cert": installed.cert.as_posix() if installed.cert else "",
        "ssl-key": installed.key.as_posix() if installed.key else "",
        "ssl-mode": "VERIFY_CA",
    }


def test_mariadb_uses_its_own_option_and_cannot_do_ca_only(installed: cc.ClientFiles) -> None:
    change = cc.mysql_change("client_x", "db.example", installed, flavour=cc.MysqlFlavour.MARIADB)
    assert "ssl-verify-server-cert=1" in change.new_text and "ssl-mode" not in change.new_text
    with pytest.raises(InputError, match="MariaDB"):
        cc.mysql_change(
            "client_x",
            "db.example",
            installed,
            verify_hostname=False,
            flavour=cc.MysqlFlavour.MARIADB,
        )


def test_a_key_others_can_read_or_an_encrypted_key_is_refused(
    installed: cc.ClientFiles, tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    assert installed.key is not None
    installed.key.chmod(0o644)
    with pytest.raises(InputError, match="can be read by other users"):
        cc.checked(installed)
    encrypted = tmp_path / "enc.key"
    encrypted.write_bytes(kurrent.client.key_pem(password=b"pw"))
    encrypted.chmod(0o600)
    with pytest.raises(InputError, match="not an unencrypted PEM key"):
        cc.checked(cc.ClientFiles(installed.ca, installed.cert, encrypted))
    with pytest.raises(InputError, match="absolute"):
        cc.checked(cc.ClientFiles(Path("ca.crt")))


def test_nothing_installed_says_to_install_first() -> None:
    with pytest.raises(InputError, match="No client identity files are installed"):
        cc.installed_files()


def test_cli_shows_and_writes_only_with_write(
    installed: cc.ClientFiles, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service_file = isolated_dirs / ".pg_service.conf"
    service_file.write_text(EXISTING_PG)
    assert main(["configure", "pg", "--host", "db.example", "--service", "orders"]) == 0
    shown = capsys.readouterr().out
    assert "+sslmode=verify-full" in shown and "Nothing was written" in shown
    assert service_file.read_text() == EXISTING_PG
    assert main(["configure", "pg", "--host", "db.example", "--service", "orders", "--write"]) == 0
    assert "sslmode=verify-full" in service_file.read_text()
    assert (isolated_dirs / (".pg_service.conf" + BACKUP_SUFFIX)).read_text() == EXISTING_PG
    capsys.readouterr()
    assert main(["configure", "kurrentdb", "--host", "c.example", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["connection_string"].startswith(
        "kurrentdb+discover://"
    )


def test_cli_bad_input_exits_2_and_changes_nothing(
    installed: cc.ClientFiles, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service_file = isolated_dirs / ".pg_service.conf"
    service_file.write_text(EXISTING_PG)
    assert main(["configure", "pg", "--host", "db/x", "--service", "orders", "--write"]) == 2
    assert main(["configure", "pg", "--host", "db", "--service", "a]b", "--write"]) == 2
    assert service_file.read_text() == EXISTING_PG
    assert "not a host name" in capsys.readouterr().err


def test_cli_ca_only_bundle_for_mysql(
    tmp_path: Path,
    isolated_dirs: Path,
    kurrent: pki.KurrentBundle,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ca_file = tmp_path / "ccx-ca.pem"
    ca_file.write_bytes(kurrent.ca.cert_pem)
    argv = [
        "configure",
        "mysql",
        "--host",
        "ccx.example",
        "--name",
        "ccx",
        "--bundle",
        str(ca_file),
    ]
    assert main([*argv, "--write"]) == 0
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(isolated_dirs / ".my.cnf")
    ca_copy = Path(parser["client_ccx"]["ssl-ca"])
    assert ca_copy.is_relative_to(paths.data_dir()) and ca_copy.read_bytes() == kurrent.ca.cert_pem
    assert "ssl-cert" not in parser["client_ccx"]
    assert "--defaults-group-suffix=_ccx" in capsys.readouterr().out


# A real libpq client against a real TLS PostgreSQL server, through the written service file.


@pytest.fixture(scope="module")
def postgres(kurrent: pki.KurrentBundle) -> Iterator[postgres_server.Postgres]:
    if not postgres_server.available():
        pytest.skip("needs root, the postgres user and Debian's postgresql package")
    server = postgres_server.start_postgres(kurrent.ca, ["localhost"])
    yield server
    server.stop()


@pytest.mark.slow
def test_psql_connects_with_the_written_service(
    installed: cc.ClientFiles, postgres: postgres_server.Postgres, isolated_dirs: Path
) -> None:
    service_file = isolated_dirs / ".pg_service.conf"
    service_file.write_text(EXISTING_PG)
    cc.pg_service_change("orders", "localhost", installed, port=postgres.port).apply()
    cc.pg_service_change("by-ip", "127.0.0.1", installed, port=postgres.port).apply()
    cc.pg_service_change(
        "by-ip-ca", "127.0.0.1", installed, verify_hostname=False, port=postgres.port
    ).apply()
    # verify-full by the certificate's name, with the client certificate: connected over TLS
    done = postgres_server.psql(
        "orders", service_file, "select ssl from pg_stat_ssl where pid = pg_backend_pid()"
    )
    assert (done.returncode, done.stdout.strip()) == (0, "t"), done.stderr
    # by an address the server certificate does not name: verify-full refuses, verify-ca connects
    refused = postgres_server.psql("by-ip", service_file)
    assert refused.returncode != 0 and "does not match host name" in refused.stderr
    assert postgres_server.psql("by-ip-ca", service_file).stdout.strip() == "connected"
    # and without the client certificate the server refuses: the sslcert/sslkey lines matter
    ca_only = cc.ClientFiles(installed.ca)
    cc.pg_service_change("no-cert", "localhost", ca_only, port=postgres.port).apply()
    anonymous = postgres_server.psql("no-cert", service_file)
    assert anonymous.returncode != 0 and "certificate" in anonymous.stderr


def test_windows_defaults_follow_libpq_and_mysql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, isolated_dirs: Path
) -> None:
    # libpq reads %APPDATA%\postgresql\.pg_service.conf; the MySQL client no per-user file
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert cc.default_pg_service_file("win32") == tmp_path / "Roaming/postgresql/.pg_service.conf"
    windows_mysql = cc.default_mysql_option_file("win32")
    assert windows_mysql == tmp_path / "Roaming/MySQL/clustertrust.cnf"
    assert not cc.mysql_reads_by_itself(windows_mysql, "win32")
    assert cc.mysql_reads_by_itself(isolated_dirs / ".my.cnf", "linux")
    assert cc.default_pg_service_file("linux") == isolated_dirs / ".pg_service.conf"
