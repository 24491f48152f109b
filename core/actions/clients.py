"""Client settings (KurrentDB, kumactl, PostgreSQL, MySQL) from the installed identity files,
shown before anything is written: core.clients.settings, as the front ends use it."""

from __future__ import annotations

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

__all__ = [
    "KURRENTDB_PORT",
    "PASSWORD_PLACEHOLDER",
    "POSTGRES_PORT",
    "Change",
    "ClientFiles",
    "MysqlFlavour",
    "ca_copy_files",
    "checked",
    "installed_files",
    "kumactl_change",
    "kurrentdb_connection_string",
    "mysql_change",
    "mysql_reads_by_itself",
    "pg_service_change",
]
