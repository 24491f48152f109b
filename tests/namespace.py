"""Run code against the real Debian trust store without changing this machine's.

`unshare -m` gives the child a private mount namespace in which copies of
/usr/local/share/ca-certificates and /etc/ssl/certs are bind-mounted over the real folders, and
the update.d hooks folder is masked (its Java hook would touch dpkg state outside the copies).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ANCHORS = Path("/usr/local/share/ca-certificates")
CERTS = Path("/etc/ssl/certs")
HOOKS = Path("/etc/ca-certificates/update.d")
UPDATE = Path("/usr/sbin/update-ca-certificates")


def unavailable_reason() -> str:
    """Why the namespace tests cannot run here ("" when they can)."""
    if os.geteuid() != 0:
        return "needs root for unshare -m and bind mounts"
    if not shutil.which("unshare"):
        return "unshare is not installed"
    if not (ANCHORS.is_dir() and CERTS.is_dir() and UPDATE.exists()):
        return "not a Debian-family system with update-ca-certificates"
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        return f"unshare -m is not permitted here: {probe.stderr.decode().strip()}"
    return ""


def prepare(work: Path) -> dict[str, Path]:
    """Private copies of the store folders (symlinks kept as they are)."""
    copies = {"anchors": work / "anchors", "certs": work / "certs", "hooks": work / "hooks"}
    shutil.copytree(ANCHORS, copies["anchors"], symlinks=True)
    shutil.copytree(CERTS, copies["certs"], symlinks=True)
    copies["hooks"].mkdir()
    return copies


def run_python(work: Path, code: str, env: dict[str, str] | None = None, timeout: float = 300):  # type: ignore[no-untyped-def]
    """Run `python -c code` inside a namespace where the copies in `work` are the real store."""
    copies = prepare(work)
    mounts = " && ".join(
        f"mount --bind {copies[k]} {target}"
        for k, target in (("anchors", ANCHORS), ("certs", CERTS), ("hooks", HOOKS))
    )
    shell = f'mount --make-rprivate / && {mounts} && exec "$0" -c "$1"'
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", shell, sys.executable, code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


SNAPSHOT = """
import hashlib, os
def snapshot(folder='/etc/ssl/certs'):
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        for name in sorted(files) + sorted(links):
            path = os.path.join(root, name)
            if os.path.islink(path):
                out.append((path, 'link', os.readlink(path)))
            else:
                out.append((path, 'file', hashlib.sha256(open(path, 'rb').read()).hexdigest()))
    return sorted(out)
"""
