"""What the command-line database clients on this machine are: which `mysql` is installed
decides how its option file must spell TLS verification."""

from __future__ import annotations

import re
import shutil

from clustertrust.core.clients.settings import MysqlFlavour
from clustertrust.platform.runner import CommandError, Runner, SubprocessRunner

# `mysql --version`: "mysql  Ver 15.1 Distrib 10.11.6-MariaDB, …" or "mysql from 11.4.2-MariaDB,
# …" for MariaDB; "mysql  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)" for
# MySQL. The version identifier carries the flavour; a MariaDB one always ends in -MariaDB.
_MARIADB_VERSION = re.compile(r"\b\d+\.\d+\.\d+-MariaDB\b")
_ANY_VERSION = re.compile(r"\b\d+\.\d+\.\d+\b")


def mysql_flavour(runner: Runner | None = None) -> MysqlFlavour | None:
    """The flavour of the `mysql` client on PATH (or `mariadb`), or None when there is none."""
    program = shutil.which("mysql") or shutil.which("mariadb")
    if program is None:
        return None
    try:
        result = (runner or SubprocessRunner()).run((program, "--version"), timeout=10)
    except CommandError:
        return None
    return flavour_of(result.stdout)


def flavour_of(version_output: str) -> MysqlFlavour | None:
    if _MARIADB_VERSION.search(version_output):
        return MysqlFlavour.MARIADB
    if _ANY_VERSION.search(version_output):
        return MysqlFlavour.MYSQL
    return None
