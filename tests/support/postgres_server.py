"""A real PostgreSQL server (Debian's postgresql-15) on 127.0.0.1 with TLS and client
certificates, run as the `postgres` user because the server refuses to run as root."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from support import pki
from support.servers import free_port

BIN = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"))), "")
PSQL = shutil.which("psql") or ""


def available() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return bool(BIN and PSQL and os.geteuid() == 0)


@dataclass
class Postgres:
    folder: Path
    port: int

    def stop(self) -> None:
        _as_postgres([f"{BIN}/pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_postgres(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *argv], capture_output=True, text=True, check=False
    )


def start_postgres(ca: pki.Issued, server_names: list[str]) -> Postgres:
    """TLS with a server certificate from `ca`; clients must present a certificate from `ca`."""
    folder = Path(tempfile.mkdtemp(prefix="ct-pg-"))
    server = pki.make_leaf(ca, server_names[0], client=False, server_names=server_names)
    for name, data in (
        ("ca.crt", ca.cert_pem),
        ("server.crt", server.cert_pem),
        ("server.key", server.key_pem()),
    ):
        (folder / name).write_bytes(data)
        os.chmod(folder / name, 0o600)
    postgres = pwd.getpwnam("postgres")
    for path in [folder, *folder.iterdir()]:
        os.chown(path, postgres.pw_uid, postgres.pw_gid)
    data = folder / "data"
    done = _as_postgres(
        [f"{BIN}/initdb", "-D", str(data), "-A", "reject", "--no-sync", "-U", "postgres"]
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    (data / "pg_hba.conf").write_text("hostssl all all 127.0.0.1/32 trust clientcert=verify-ca\n")
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        f"-c ssl=on -c ssl_cert_file={folder}/server.crt -c ssl_key_file={folder}/server.key "
        f"-c ssl_ca_file={folder}/ca.crt -c fsync=off"
    )
    log = folder / "server.log"
    done = _as_postgres(
        [f"{BIN}/pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
    )
    if done.returncode:
        raise RuntimeError(done.stderr + (log.read_text() if log.exists() else ""))
    return Postgres(folder, port)


def psql(
    service: str, service_file: Path, sql: str = "select 'connected'"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGSERVICEFILE": str(service_file), "PGCONNECT_TIMEOUT": "5"}
    return subprocess.run(
        [PSQL, "-X", "-A", "-t", "-c", sql, f"service={service} user=postgres dbname=postgres"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
