"""Build the ClusterTrust desktop app for the current OS: `python packaging/build.py`.

Produces dist/clustertrust/ (onedir; the binary is dist/clustertrust/clustertrust on Linux and
macOS, clustertrust.exe and clustertrust-gui.exe on Windows), dist/ClusterTrust.app on macOS, and
an archive to hand out: a .tar.gz with install.sh on Linux, a .zip elsewhere. With --installer on
Windows, also the per-user Inno Setup installer. Prints the app's size and fails past the budget.

Exit codes: 0 built, 1 the build failed or is over budget, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from appinfo import ROOT, AppInfo, read_app_info  # noqa: E402

SPEC = HERE / "clustertrust.spec"
BUDGET_MB = 150.0
INNO_DEFAULT = Path(r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe")


class BuildError(Exception):
    """A build step failed; the message says what to do about it."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller work folder")
    parser.add_argument(
        "--max-mb", type=float, default=BUDGET_MB, help="fail when the app is bigger (MB, 10^6)"
    )
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    parser.add_argument("--no-archive", action="store_true", help="skip the tarball or zip")
    parser.add_argument(
        "--installer", action="store_true", help="Windows: also build the Inno Setup installer"
    )
    return parser.parse_args(argv)


def ensure_pyinstaller() -> None:
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    print("PyInstaller is not installed; installing it with pip ...", flush=True)
    result = subprocess.run([sys.executable, "-m", "pip", "install", "pyinstaller>=6.5"])
    if result.returncode != 0:
        raise BuildError(
            "Could not install PyInstaller. Install it yourself with "
            f"`{sys.executable} -m pip install 'pyinstaller>=6.5'` and run this script again."
        )


def run_pyinstaller(dist: Path, work: Path, clean: bool) -> None:
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if clean:
        command.insert(3, "--clean")
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise BuildError("PyInstaller failed; its messages above name the missing piece.")


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes, files) of every regular file under folder; symlinks are not counted twice."""
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    return sum(path.stat().st_size for path in files), len(files)


def describe_size(label: str, size: int, files: int) -> str:
    return f"{label}: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB) in {files} files"


def linux_tarball(info: AppInfo, dist: Path) -> Path:
    """clustertrust-<version>-linux-<arch>.tar.gz: the onedir app, install.sh, the polkit action."""
    top = f"{info.name}-{info.version}"
    target = dist / f"{top}-linux-{platform.machine()}.tar.gz"

    def owned_by_root(member: tarfile.TarInfo) -> tarfile.TarInfo:
        member.uid = member.gid = 0
        member.uname = member.gname = "root"
        return member

    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(HERE / "linux" / "install.sh", f"{top}/install.sh", filter=owned_by_root)
        policy = "org.clustertrust.privileged.policy"
        archive.add(HERE / "linux" / policy, f"{top}/{policy}", filter=owned_by_root)
        archive.add(dist / info.name, f"{top}/{info.name}", filter=owned_by_root)
    return target


def zip_folder(folder: Path, target: Path) -> Path:
    if sys.platform == "darwin":  # ditto keeps the framework symlinks and extended attributes
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(folder), str(target)], check=True)
        return target
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder.parent))
    return target


def make_archive(info: AppInfo, dist: Path) -> Path:
    arch = platform.machine().lower()
    if sys.platform.startswith("linux"):
        return linux_tarball(info, dist)
    if sys.platform == "darwin":
        app = dist / f"{info.display_name}.app"
        return zip_folder(app, dist / f"{info.display_name}-{info.version}-macos-{arch}.zip")
    return zip_folder(dist / info.name, dist / f"{info.name}-{info.version}-windows-{arch}.zip")


def inno_setup_compiler() -> str | None:
    if sys.platform != "win32":
        return None
    return shutil.which("iscc") or (str(INNO_DEFAULT) if INNO_DEFAULT.exists() else None)


def build_installer(info: AppInfo, dist: Path, compiler: str) -> Path:
    command = [compiler, f"/DAppVersion={info.version}", f"/DSourceDir={dist / info.name}"]
    command += [f"/O{dist}", str(HERE / "windows" / "clustertrust.iss")]
    if subprocess.run(command).returncode != 0:
        raise BuildError("Inno Setup failed; its messages above name the problem.")
    return dist / f"{info.display_name}-{info.version}-setup.exe"


def build(args: argparse.Namespace) -> int:
    info = read_app_info()
    dist, work = args.dist.resolve(), args.work.resolve()
    print(f"Building {info.display_name} {info.version} for {sys.platform} into {dist}", flush=True)
    started = time.monotonic()
    ensure_pyinstaller()
    run_pyinstaller(dist, work, args.clean)
    elapsed = time.monotonic() - started
    size, files = folder_size(dist / info.name)
    print(f"Built in {elapsed:.0f} s.")
    print(describe_size(str(dist / info.name), size, files))
    if not args.no_archive:
        archive = make_archive(info, dist)
        print(f"Archive: {archive} ({archive.stat().st_size / 1e6:.1f} MB)")
    if args.installer:
        print(f"Installer: {build_installer(info, dist, str(inno_setup_compiler()))}")
    if size > args.max_mb * 1e6:
        raise BuildError(
            f"The app is {size / 1e6:.1f} MB, over the {args.max_mb:.0f} MB budget: find what "
            "grew with `du -sh dist/clustertrust/_internal/*` and exclude it in qt_trim.py."
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.max_mb <= 0:
        print("build.py: --max-mb must be a positive number of megabytes.", file=sys.stderr)
        return 2
    if args.installer and inno_setup_compiler() is None:
        print(
            "build.py: --installer needs Windows with Inno Setup 6 (https://jrsoftware.org/isdl.php"
            " or `choco install innosetup`); ISCC.exe was not found. Nothing was built.",
            file=sys.stderr,
        )
        return 2
    os.environ.setdefault("PYTHONHASHSEED", "0")  # stable module order between builds
    try:
        return build(args)
    except BuildError as error:
        print(f"build.py: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
