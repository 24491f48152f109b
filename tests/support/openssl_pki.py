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


def make_pss_pki(folder: Path) -> Path:
    """An RSA-PSS (id-RSASSA-PSS keys) CA, client and 127.0.0.1 server made with openssl; returns
    a bundle folder holding only ca.crt, tls.crt and tls.key, as the vendor would ship it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ca", "tls", "server"):
        openssl(
            "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", f"{name}.key", cwd=folder,
        )  # fmt: skip
    openssl(
        "req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", "30",
        "-subj", "/CN=pss-cluster-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder,
    )  # fmt: skip
    uses = {
        "tls": "extendedKeyUsage=clientAuth\n",
        "server": "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
    }
    for name, usage in uses.items():
        (folder / f"{name}.ext").write_text("basicConstraints=CA:FALSE\n" + usage)
        openssl("req", "-new", "-key", f"{name}.key", "-subj", f"/CN=pss-{name}",
                "-out", f"{name}.csr", cwd=folder)  # fmt: skip
        openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "30", "-extfile", f"{name}.ext", "-out", f"{name}.crt",
            cwd=folder,
        )  # fmt: skip
    bundle = folder / "bundle"
    bundle.mkdir()
    for name in ("ca.crt", "tls.crt", "tls.key"):
        (bundle / name).write_bytes((folder / name).read_bytes())
    return bundle
