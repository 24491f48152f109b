"""Client configuration once trust is in place: a KurrentDB connection string, a kumactl control
plane, a ~/.pg_service.conf service and a MySQL/MariaDB option group.

Each writer points at absolute paths of files kept under the user data folder (the identity files
store, key 0600), renders the new file from the old one without losing its other content, and
writes only when asked (`Change.apply`).
"""

from __future__ import annotations

import enum
import ipaddress
import os
import stat
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from clustertrust.core import certinfo, paths
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.clients.optionfile import merge_section, read_text, write_text
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.core.install.identity import IdentityPaths, identity_paths
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.remedy import Action, Remedy

KURRENTDB_PORT = 2113
KUMA_API_PORT = 5682
POSTGRES_PORT = 5432
MYSQL_PORT = 3306
# Where the user's own password goes in a KurrentDB connection string: ClusterTrust never has it.
PASSWORD_PLACEHOLDER = "PASSWORD"


class MysqlFlavour(enum.StrEnum):
    """The two clients named `mysql` spell TLS verification differently, and each refuses the
    other's option: MySQL ssl-mode, MariaDB ssl-verify-server-cert."""

    MYSQL = "mysql"
    MARIADB = "mariadb"


@dataclass(frozen=True)
class ClientFiles:
    ca: Path
    cert: Path | None = None
    key: Path | None = None

    @classmethod
    def from_identity(cls, identity: IdentityPaths) -> ClientFiles:
        return cls(identity.ca, identity.cert, identity.key)

    def require_client(self) -> tuple[Path, Path]:
        if self.cert is None or self.key is None:
            raise InputError(
                tr(
                    "A KurrentDB connection with a client certificate needs a client certificate "
                    "and key, and none is installed."
                ),
                tr(
                    "Install a bundle that has tls.crt and tls.key (such as a Kurrent Cloud "
                    "bundle)."
                ),
            )
        return self.cert, self.key


@dataclass(frozen=True)
class Change:
    """A rendered configuration file: shown to the user, written only by `apply`."""

    path: Path
    old_text: str
    new_text: str

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    def apply(self) -> Path | None:
        """Write the file; returns the backup of the old content, if there was one."""
        return write_text(self.path, self.new_text) if self.changed else None


def installed_files(sha256: str = "", ledger: Ledger | None = None) -> ClientFiles:
    """The identity files installed for the client whose SHA-256 starts with `sha256` (the
    newest when ""), as `ledger` (default: the user's) keeps them; InputError when none."""
    identity = identity_paths(ledger, sha256)
    if identity is None:
        raise InputError(
            tr("No client identity files are installed for {fingerprint}.").format(
                fingerprint=sha256
            )
            if sha256
            else tr("No client identity files are installed."),
            tr(
                "Install the bundle first; it keeps ca.crt, tls.crt and tls.key under your data "
                "folder for command-line clients."
            ),
            (Remedy(Action.INSTALL, ("BUNDLE",)),),
        )
    return checked(ClientFiles.from_identity(identity))


def checked(files: ClientFiles) -> ClientFiles:
    """Refuse relative paths, missing files, a key others can read, or an encrypted key."""
    for path in (files.ca, files.cert, files.key):
        if path is None:
            continue
        if not path.is_absolute():
            raise InputError(
                tr("{path} is not an absolute path.").format(path=path), tr("Give the full path.")
            )
        if not path.is_file():
            raise InputError(
                tr("{path} does not exist.").format(path=path), tr("Install the bundle again.")
            )
    if files.key is not None:
        if os.name == "posix" and stat.S_IMODE(files.key.stat().st_mode) & 0o077:
            raise InputError(
                tr("The private key {path} can be read by other users.").format(path=files.key),
                tr("Run `chmod 600 {path}` and try again.").format(path=files.key),
            )
        head = files.key.read_bytes()[:200]
        if b"ENCRYPTED" in head or not head.startswith(b"-----BEGIN"):
            raise InputError(
                tr(
                    "The private key {path} is not an unencrypted PEM key, which clients need."
                ).format(path=files.key),
                tr("Install the bundle again so ClusterTrust writes the key as unencrypted PEM."),
            )
    return files


def _host(host: str) -> str:
    host = host.strip()
    if not host or any(c in host for c in "/?#@ \t"):
        raise InputError(
            tr("{host} is not a host name.").format(host=repr(host)),
            tr("Give the server's host name, like db.example.com."),
        )
    return host


def _path_value(path: Path) -> str:
    return urllib.parse.quote(str(path), safe="/:\\")


def discovers(host: str) -> bool:
    """A cluster name is resolved to its nodes (gossip discovery); an IP address is one node."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


def kurrentdb_connection_string(
    host: str,
    files: ClientFiles,
    port: int = KURRENTDB_PORT,
    discover: bool | None = None,
    user: str = "",
) -> str:
    """`discover` None: decided by `discovers(host)`, the same for the wizard and the CLI.
    With `user`, the user info the Python client (kurrentdbclient) requires whenever TLS is on,
    with PASSWORD_PLACEHOLDER where the person puts their password; the Node client takes the
    string with or without it."""
    cert, key = files.require_client()
    discover = discovers(host) if discover is None else discover
    scheme = "kurrentdb+discover" if discover else "kurrentdb"
    query = (
        f"tls=true&tlsCaFile={_path_value(files.ca)}"
        f"&userCertFile={_path_value(cert)}&userKeyFile={_path_value(key)}"
    )
    return f"{scheme}://{_user_info(user)}{_host(host)}:{_port(port)}?{query}"


def _user_info(user: str) -> str:
    if not user:
        return ""
    # The Python client does not unquote user info and the Node one does: only names that
    # need no quoting reach both the same.
    if any(c in "@:/?#%[]" or c.isspace() or not c.isprintable() for c in user):
        raise InputError(
            tr("{user} cannot go into a connection string as a user name.").format(user=repr(user)),
            tr("Give the KurrentDB user's name, without @ : / ? # % [ ] or spaces."),
        )
    return f"{user}:{PASSWORD_PLACEHOLDER}@"


def _port(port: int) -> int:
    if not 0 < port < 65536:
        raise InputError(
            tr("{port} is not a TCP port.").format(port=port), tr("Give a port from 1 to 65535.")
        )
    return port


def default_kumactl_config() -> Path:
    return Path.home() / ".kumactl" / "config"


def kumactl_change(
    name: str, host: str, files: ClientFiles, use: bool = True, path: Path | None = None
) -> Change:
    path = path or default_kumactl_config()
    old = read_text(path)
    try:
        document = yaml.safe_load(old) if old.strip() else {}
    except yaml.YAMLError as exc:
        raise InputError(
            tr("{path} is not valid YAML ({error}).").format(path=path, error=exc),
            tr("Fix or move the file, then try again."),
        ) from exc
    if not isinstance(document, dict):
        raise InputError(
            tr("{path} is not a kumactl configuration.").format(path=path),
            tr("Fix or move the file."),
        )
    server: dict[str, Any] = {
        "url": f"https://{_host(host)}:{KUMA_API_PORT}",
        "caCertFile": str(files.ca),
    }
    if files.cert and files.key:
        server |= {"clientCertFile": str(files.cert), "clientKeyFile": str(files.key)}
    planes = _named_list(document, "controlPlanes", path)
    plane = _entry(planes, name)
    coordinates = plane.setdefault("coordinates", {})
    coordinates["apiServer"] = {**coordinates.get("apiServer", {}), **server}
    context = _entry(_named_list(document, "contexts", path), name)
    context["controlPlane"] = name
    context.setdefault("defaults", {"mesh": "default"})
    if use or not document.get("currentContext"):
        document["currentContext"] = name
    return Change(path, old, yaml.safe_dump(document, sort_keys=False, default_flow_style=False))


def _named_list(document: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    items = document.setdefault(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(
            tr("{key} in {path} is not a list of entries.").format(key=key, path=path),
            tr("Fix or move the file."),
        )
    return items


def _entry(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for item in items:
        if item.get("name") == name:
            return item
    items.append({"name": name})
    return items[-1]


def default_pg_service_file(system: str = sys.platform) -> Path:
    """libpq's per-user service file: %APPDATA%\\postgresql\\.pg_service.conf on Windows."""
    configured = os.environ.get("PGSERVICEFILE")
    if configured:
        return Path(configured)
    if system == "win32":
        return _appdata() / "postgresql" / ".pg_service.conf"
    return Path.home() / ".pg_service.conf"


def _appdata() -> Path:
    return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")


def pg_service_change(
    service: str,
    host: str,
    files: ClientFiles,
    verify_hostname: bool = True,
    port: int = POSTGRES_PORT,
    extra: dict[str, str] | None = None,
    path: Path | None = None,
) -> Change:
    path = path or default_pg_service_file()
    values = {
        "host": _host(host),
        "port": str(port),
        **(extra or {}),
        "sslmode": "verify-full" if verify_hostname else "verify-ca",
        "sslrootcert": str(files.ca),
    }
    if files.cert and files.key:
        values |= {"sslcert": str(files.cert), "sslkey": str(files.key)}
    old = read_text(path)
    return Change(path, old, merge_section(old, _section(service), values))


def default_mysql_option_file(system: str = sys.platform) -> Path:
    """~/.my.cnf; Windows clients read no per-user option file, so there the file is named with
    --defaults-extra-file (see `mysql_reads_by_itself`)."""
    if system == "win32":
        return _appdata() / "MySQL" / "clustertrust.cnf"
    return Path.home() / ".my.cnf"


def mysql_reads_by_itself(path: Path, system: str = sys.platform) -> bool:
    return system != "win32" and path == Path.home() / ".my.cnf"


def mysql_change(
    group: str,
    host: str,
    files: ClientFiles,
    verify_hostname: bool = True,
    flavour: MysqlFlavour = MysqlFlavour.MYSQL,
    port: int | None = None,
    path: Path | None = None,
) -> Change:
    """An option group such as [client_ccx] (read with --defaults-group-suffix=_ccx)."""
    values = {"host": _host(host)}
    if port is not None:
        values["port"] = str(_port(port))
    values["ssl-ca"] = files.ca.as_posix()  # \ is an escape there
    if files.cert and files.key:
        values |= {"ssl-cert": files.cert.as_posix(), "ssl-key": files.key.as_posix()}
    if flavour is MysqlFlavour.MARIADB:
        if not verify_hostname:
            raise InputError(
                tr("The MariaDB client cannot check the CA without also checking the host name."),
                tr("Connect by a name in the server's certificate, or use the MySQL client."),
            )
        values["ssl-verify-server-cert"] = "1"
    else:
        values["ssl-mode"] = "VERIFY_IDENTITY" if verify_hostname else "VERIFY_CA"
    path = path or default_mysql_option_file()
    old = read_text(path)
    same = lambda key: key.replace("_", "-")  # noqa: E731 - MySQL treats - and _ alike
    return Change(path, old, merge_section(old, _section(group), values, same))


def _section(name: str) -> str:
    name = name.strip()
    if not name or any(c in name for c in "[]\n\r="):
        raise InputError(
            tr("{name} cannot be a section name.").format(name=repr(name)),
            tr("Use letters, digits, - and _."),
        )
    return name


def ca_copy_files(bundle: Bundle) -> ClientFiles:
    """For a CA-only bundle (CCX, the Postgres operator): keep ca.crt under the data folder."""
    if bundle.ca is None:
        raise InputError(
            tr("{origin} has no CA certificate.").format(origin=bundle.origin),
            tr("Choose the cluster's CA file."),
        )
    folder = paths.data_dir() / "ca-copies" / certinfo.sha256(bundle.ca)[:16]
    target = folder / "ca.crt"
    pem = b"".join(certinfo.to_pem(c) for c in bundle.ca_certs)
    if not target.is_file() or target.read_bytes() != pem:
        write_text(target, pem.decode("ascii"), new_mode=0o644)
    return ClientFiles(target)
