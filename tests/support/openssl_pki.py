"""Bundles made with the `openssl` command, the way vendor documentation tells people to."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_bundle(folder: Path, cluster: str, digest: str = "sha256") -> Path:
    """ca.crt, tls.crt, tls.key and bundle.p12 (password kurrent) in `folder`, plus a tar.gz."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl(
        "req", "-x509", f"-{digest}", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
        "-out", "ca.crt", "-days", "90", "-subj", f"/CN={cluster}-ca",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    openssl(
        "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.csr",
        "-subj", f"/CN={cluster}-kurrentdb-client", cwd=folder,
    )  # fmt: skip
    (folder / "client.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=clientAuth\n"
    )
    openssl(
        "x509", "-req", f"-{digest}", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tls.crt", "-days", "90", "-extfile", "client.ext", cwd=folder,
    )  # fmt: skip
    openssl(
        "pkcs12", "-export", "-in", "tls.crt", "-inkey", "tls.key", "-certfile", "ca.crt",
        "-out", "bundle.p12", "-passout", "pass:kurrent", cwd=folder,
    )  # fmt: skip
    archive = folder / "certificate_bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in ("ca.crt", "tls.crt", "tls.key", "bundle.p12"):
            tar.add(folder / name, arcname=name)
    return archive
