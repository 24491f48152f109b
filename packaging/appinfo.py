"""What every packaging script needs to know about the app, read once from pyproject.toml.

Also stages the import package for PyInstaller: the repository maps top-level folders (core/,
cli/, ...) into `clustertrust.*`, so there is no `clustertrust/` folder to analyse. Staging copies
the listed packages' modules and package data into `<workpath>/stage/clustertrust/` as a wheel
would lay them out, plus a minimal dist-info so `importlib.metadata.version("clustertrust")`
works in the frozen app.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISPLAY_NAME = "ClusterTrust"
BUNDLE_ID = "org.clustertrust.ClusterTrust"
PUBLISHER = "ClusterTrust contributors"
# PySide6 modules the app imports; every other Qt module is excluded from the build.
# tests/test_packaging.py scans the sources and fails when code imports one not listed here.
QT_MODULES_USED = ("QtCore", "QtGui", "QtWidgets")


@dataclass(frozen=True)
class AppInfo:
    name: str  # the command, the onedir folder and the icon name
    version: str
    description: str
    license: str
    packages: tuple[str, ...]
    package_dirs: dict[str, str]
    package_data: dict[str, tuple[str, ...]]
    display_name: str = DISPLAY_NAME
    bundle_id: str = BUNDLE_ID
    publisher: str = PUBLISHER

    @property
    def version_tuple(self) -> tuple[int, int, int, int]:
        """Four numbers for Windows version resources: "1.2.3rc1" -> (1, 2, 3, 0)."""
        numbers = [int(part) for part in re.findall(r"\d+", self.version.split("+")[0])[:3]]
        numbers += [0] * (4 - len(numbers))
        if any(number > 0xFFFF for number in numbers):
            raise ValueError(f"version {self.version} does not fit a Windows version resource")
        return (numbers[0], numbers[1], numbers[2], numbers[3])


def read_app_info(pyproject: Path = ROOT / "pyproject.toml") -> AppInfo:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project, setuptools = data["project"], data["tool"]["setuptools"]
    license_field = project.get("license", {})
    return AppInfo(
        name=project["name"],
        version=project["version"],
        description=project.get("description", ""),
        license=license_field.get("text", "") if isinstance(license_field, dict) else license_field,
        packages=tuple(setuptools["packages"]),
        package_dirs=dict(setuptools["package-dir"]),
        package_data={k: tuple(v) for k, v in setuptools.get("package-data", {}).items()},
    )


def package_folder(info: AppInfo, package: str) -> Path:
    """The source folder of a package, resolved the way setuptools reads package-dir."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in info.package_dirs:
            return ROOT / info.package_dirs[prefix] / Path(*parts[cut:])
    return ROOT / Path(*parts)


def package_files(info: AppInfo) -> list[tuple[Path, Path]]:
    """(source, path inside site-packages) for every module and data file a wheel would hold."""
    files = []
    for package in info.packages:
        folder = package_folder(info, package)
        target = Path(*package.split("."))
        patterns = ("*.py", *info.package_data.get(package, ()))
        sources = {path for pattern in patterns for path in folder.glob(pattern) if path.is_file()}
        files += [(source, target / source.relative_to(folder)) for source in sorted(sources)]
    return files


def stage_package(info: AppInfo, stage: Path) -> Path:
    """Lay out the import package under `stage` as installed; return the dist-info folder."""
    if stage.exists():
        shutil.rmtree(stage)
    for source, target in package_files(info):
        (stage / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, stage / target)
    dist_info = stage / f"{info.name}-{info.version}.dist-info"
    dist_info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: {info.name}\nVersion: {info.version}\n"
    (dist_info / "METADATA").write_text(metadata, encoding="utf-8")
    return dist_info
