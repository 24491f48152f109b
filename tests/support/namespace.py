"""Run code against the real Debian trust store without changing this machine's.

`unshare -m` gives the child a private mount namespace in which copies of
/usr/local/share/ca-certificates and /etc/ssl/certs are bind-mounted over the real folders, the
update.d hooks folder is masked (its Java hook would touch dpkg state outside the copies), and
/var/lib is an empty folder (the privileged helper keeps its list of anchors there).
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
VAR_LIB = Path("/var/lib")
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
    copies = {k: work / k for k in ("anchors", "certs", "hooks", "varlib")}
    shutil.copytree(ANCHORS, copies["anchors"], symlinks=True)
    shutil.copytree(CERTS, copies["certs"], symlinks=True)
    copies["hooks"].mkdir()
    copies["varlib"].mkdir()
    return copies


def store_mounts(copies: dict[str, Path]) -> list[tuple[Path, Path]]:
    targets = {"anchors": ANCHORS, "certs": CERTS, "hooks": HOOKS, "varlib": VAR_LIB}
    return [(copies[k], target) for k, target in targets.items()]


def run_python(work: Path, code: str, env: dict[str, str] | None = None, timeout: float = 300):  # type: ignore[no-untyped-def]
    """Run `python -c code` inside a namespace where the copies in `work` are the real store."""
    mounts = " && ".join(f"mount --bind {s} {t}" for s, t in store_mounts(prepare(work)))
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


PKEXEC_STAND_IN = """#!/bin/sh
# Stand-in for pkexec(1) (and, like sudo, it keeps the working folder): records how it was
# called, then runs the command as root of a nested user namespace.
printf '%s\\n' "$@" >> {log}
echo ---- >> {log}
exec unshare --user --map-root-user "$@"
"""


def nested_user_namespaces_reason() -> str:
    """Why a desktop user cannot be played here ("" when it can)."""
    first = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]
    probe = subprocess.run([*first, "unshare", "--user", "--map-root-user", "true"],
                           capture_output=True, text=True)  # fmt: skip
    if probe.returncode != 0:  # e.g. Ubuntu 24.04's AppArmor limits on user namespaces
        return f"nested user namespaces are not allowed here: {probe.stderr.strip()}"
    return ""


def install_pkexec_stand_in(work: Path, log: Path) -> None:
    (work / "bin").mkdir(parents=True, exist_ok=True)
    stand_in = work / "bin" / "pkexec"
    stand_in.write_text(PKEXEC_STAND_IN.format(log=log))
    stand_in.chmod(0o755)


def run_as_desktop_user(
    work: Path, home: Path, command: list[str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`command` as uid 1000 on a desktop (DISPLAY set), with /usr/local/bin/pkexec being the
    stand-in (install_pkexec_stand_in) and the store folders being copies: only they change."""
    copies = {k: work / k for k in ("anchors", "certs", "hooks", "varlib")}
    if not copies["anchors"].exists():
        copies = prepare(work)
    mounts = [(work / "bin", Path("/usr/local/bin")), *store_mounts(copies)]
    shell = " && ".join(
        ["mount --make-rprivate /", *(f"mount --bind {src} {dst}" for src, dst in mounts)]
    )
    user = ["unshare", "--user", "--map-user=1000", "--map-group=1000", "env", "-i",
            "PATH=/usr/bin:/bin", f"HOME={home}", "DISPLAY=:0"]  # fmt: skip
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f'{shell} && exec "$@"', "sh", *user, *command],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip
