"""Client settings (KurrentDB, kumactl, PostgreSQL, MySQL) from the identity files a machine has
installed, for the wizard's last page and `clustertrust configure`: which files a client points
at, the rows the wizard lists, and which MySQL client the option file is for. The changes
themselves (core.clients.settings) are shown before anything is written."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.clients.settings import (
    KURRENTDB_PORT,
    PASSWORD_PLACEHOLDER,
    POSTGRES_PORT,
    Change,
    ClientFiles,
    MysqlFlavour,
    ca_copy_files,
    checked,
    installed_files,
    kumactl_change,
    kurrentdb_connection_string,
    mysql_change,
    mysql_reads_by_itself,
    pg_service_change,
)
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.install.addresses import remembered_url
from clustertrust.core.install.identity import identity_paths
from clustertrust.core.model import Machine

CONNECTION_STRING = translatable("KurrentDB connection string")
CA_FILE = translatable("CA file")
CLIENT_CERTIFICATE = translatable("Client certificate")
CLIENT_KEY = translatable("Client key")


def client_files(machine: Machine, identity: str = "", bundle: Bundle | None = None) -> ClientFiles:
    """What a client points at: a CA-only bundle's CA (kept under the data folder), else the
    identity files installed for the client whose SHA-256 starts with `identity` (the newest
    when ""), as the machine's ledger keeps them. InputError when none is installed."""
    if bundle is not None:
        return ca_copy_files(bundle)
    return installed_files(identity, machine.setup().ledger)


def client_settings(
    machine: Machine, bundle: Bundle, verified_url: str = ""
) -> list[tuple[str, str]]:
    """The rows the wizard lists once `bundle` is installed: its identity files, and first a
    KurrentDB connection string to the cluster's address (the one the ledger keeps, else
    `verified_url`, an address just verified ok). Each label is a translatable() constant; []
    when the bundle's client has no installed files."""
    from clustertrust.core import certinfo

    if bundle.client_cert is None:
        return []
    ledger = machine.setup().ledger
    identity = identity_paths(ledger, certinfo.sha256(bundle.client_cert))
    if identity is None:
        return []
    files = checked(ClientFiles.from_identity(identity))
    rows = [
        (CA_FILE, str(files.ca)),
        (CLIENT_CERTIFICATE, str(identity.cert)),
        (CLIENT_KEY, str(identity.key)),
    ]
    target = urllib.parse.urlsplit(remembered_url(ledger, bundle) or verified_url)
    if target.hostname:
        port = target.port or KURRENTDB_PORT
        text = kurrentdb_connection_string(target.hostname, files, port)
        rows.insert(0, (CONNECTION_STRING, text))
    return rows


def mysql_flavour(chosen: str | None, installed: Callable[[], MysqlFlavour | None]) -> MysqlFlavour:
    """The MySQL client an option file is for: the one chosen, else the one installed here
    (`installed` finds it: platform.client_tools.mysql_flavour). InputError when neither."""
    if chosen:
        return MysqlFlavour(chosen)
    found = installed()
    if found is None:
        raise InputError(
            tr("No mysql or mariadb client was found here, and the two need different options."),
            tr("Add --flavour mysql or --flavour mariadb for the client that will read the file."),
        )
    return found


__all__ = [
    "CA_FILE",
    "CLIENT_CERTIFICATE",
    "CLIENT_KEY",
    "CONNECTION_STRING",
    "KURRENTDB_PORT",
    "PASSWORD_PLACEHOLDER",
    "POSTGRES_PORT",
    "Change",
    "ClientFiles",
    "MysqlFlavour",
    "client_files",
    "client_settings",
    "kumactl_change",
    "kurrentdb_connection_string",
    "mysql_change",
    "mysql_flavour",
    "mysql_reads_by_itself",
    "pg_service_change",
]
