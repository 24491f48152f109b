"""Packaging metadata and scripts, checked without building the app (fast).

Windows and macOS pieces are checked the way their tools read them: the version resource through
PyInstaller's own parser and serializer, the manifest through PyInstaller's manifest code, the
plists with plistlib. The Inno Setup compiler, codesign and notarytool do not run on Linux; the
GitHub Actions workflow runs them (see .github/workflows/build.yml).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import plistlib
import re
import shutil
import stat
import struct
import subprocess
import sys
import types
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
sys.path.insert(0, str(PACKAGING))

import appinfo  # noqa: E402
import make_icons  # noqa: E402
import qt_trim  # noqa: E402


def load_version_info_module() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        "version_info", PACKAGING / "windows" / "version_info.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def info() -> appinfo.AppInfo:
    return appinfo.read_app_info()


# --- metadata and staging -------------------------------------------------------------------


def test_name_and_version_come_from_pyproject(info: appinfo.AppInfo) -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert f'name = "{info.name}"' in text
    assert f'version = "{info.version}"' in text
    assert info.name == "clustertrust"


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3rc1", (1, 2, 3, 0)),
        ("2.0", (2, 0, 0, 0)),
        ("3", (3, 0, 0, 0)),
    ],
)
def test_windows_version_numbers(info: appinfo.AppInfo, version: str, numbers: tuple) -> None:
    from dataclasses import replace

    assert replace(info, version=version).version_tuple == numbers


def test_a_version_too_big_for_windows_is_refused(info: appinfo.AppInfo) -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="does not fit"):
        _ = replace(info, version="70000.0.0").version_tuple


def test_staged_package_holds_exactly_what_the_wheel_holds(
    info: appinfo.AppInfo, tmp_path: Path
) -> None:
    """The frozen app ships the same modules and data files as `pip install clustertrust`."""
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", ".venv", "*.egg-info", "__pycache__", ".*_cache", "tests"
        ),
    )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path / "wheel"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "wheel").glob("*.whl"))
    in_wheel = {
        name
        for name in zipfile.ZipFile(wheel).namelist()
        if not name.split("/")[0].endswith(".dist-info")
    }
    dist_info = appinfo.stage_package(info, tmp_path / "stage")
    staged = {
        path.relative_to(tmp_path / "stage").as_posix()
        for path in (tmp_path / "stage").rglob("*")
        if path.is_file() and dist_info not in path.parents
    }
    assert staged == in_wheel
    assert f"Version: {info.version}" in (dist_info / "METADATA").read_text()


def test_staging_replaces_an_old_stage(info: appinfo.AppInfo, tmp_path: Path) -> None:
    leftover = tmp_path / "stage" / "clustertrust" / "core" / "removed_module.py"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("stale = True\n")
    appinfo.stage_package(info, tmp_path / "stage")
    assert not leftover.exists()
    assert (tmp_path / "stage" / "clustertrust" / "cli" / "main.py").is_file()


def test_platform_folder_stays_a_namespace_portion_in_the_app(
    info: appinfo.AppInfo, tmp_path: Path
) -> None:
    appinfo.stage_package(info, tmp_path / "stage")
    assert not (tmp_path / "stage" / "clustertrust" / "platform" / "__init__.py").exists()
    assert (tmp_path / "stage" / "clustertrust" / "platform" / "runner.py").is_file()


# --- Qt trimming ----------------------------------------------------------------------------


def pyside6_imports() -> dict[str, set[str]]:
    """PySide6 modules imported by shipped code: module name -> files importing it."""
    found: dict[str, set[str]] = {}
    for source, _ in appinfo.package_files(appinfo.read_app_info()):
        if source.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(source.read_bytes())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "PySide6":
                    names = [alias.name for alias in node.names]
                elif node.module.startswith("PySide6."):
                    names = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                names = [a.name.split(".")[1] for a in node.names if a.name.startswith("PySide6.")]
            for name in names:
                found.setdefault(name, set()).add(str(source.relative_to(ROOT)))
    return found


def test_qt_modules_kept_are_exactly_the_ones_the_app_imports() -> None:
    imported = pyside6_imports()
    missing = set(imported) - set(appinfo.QT_MODULES_USED)
    assert not missing, (
        f"{sorted(missing)} imported by {sorted(set().union(*(imported[m] for m in missing)))} "
        "would be excluded from the desktop app: add them to QT_MODULES_USED in "
        "packaging/appinfo.py"
    )
    unused = set(appinfo.QT_MODULES_USED) - set(imported)
    assert not unused, f"{sorted(unused)} are never imported: drop them from QT_MODULES_USED"


def test_every_other_pyside6_module_is_excluded() -> None:
    excludes = qt_trim.qt_module_excludes()
    for heavy in ("QtQml", "QtQuick", "QtSql", "QtNetwork", "QtPdf", "QtDesigner", "QtSvg"):
        installed = importlib.util.find_spec(f"PySide6.{heavy}") is not None
        assert (f"PySide6.{heavy}" in excludes) == installed
    assert not {f"PySide6.{name}" for name in appinfo.QT_MODULES_USED} & set(excludes)


@pytest.mark.parametrize(
    "destination",
    [
        "PySide6/Qt/translations/qtbase_fr.qm",
        "PySide6/Qt/translations/qt_de.qm",
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6QuickControls2.so.6",
        "PySide6/Qt/lib/libQt6Network.so.6",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
        r"PySide6\Qt6Qml.dll",
        r"PySide6\plugins\imageformats\qpdf.dll",
        r"PySide6\translations\qt_fr.qm",
        "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
    ],
)
def test_unused_qt_files_are_dropped(destination: str) -> None:
    assert qt_trim.is_unused_qt_file(destination)


def test_qt_keeps_its_standard_buttons_in_our_languages() -> None:
    assert not qt_trim.is_unused_qt_file("PySide6/Qt/translations/qtbase_de.qm")


@pytest.mark.parametrize(
    "destination",
    [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6DBus.so.6",
        "PySide6/Qt/lib/libQt6XcbQpa.so.6",
        "PySide6/Qt/lib/libQt6WaylandClient.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/lib/libicudata.so.73",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/imageformats/libqico.so",
        r"PySide6\plugins\platforms\qwindows.dll",
        r"PySide6\Qt6Widgets.dll",
        "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "libcrypto.so.3",
        "clustertrust/resources/clustertrust-16.png",
    ],
)
def test_qt_files_the_app_needs_are_kept(destination: str) -> None:
    assert not qt_trim.is_unused_qt_file(destination)


def test_libraries_only_a_dropped_plugin_needed_are_dropped_too() -> None:
    """GIVEN the GTK theme (dropped) needing gtk -> cairo, and Qt Gui (kept) needing cairo's
    sibling freetype directly WHEN filtering THEN gtk goes, freetype stays, and so does a
    library loaded by ctypes that nothing links to."""
    toc = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
        ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/src/libcairo.so.2", "BINARY"),
        ("libfreetype.so.6", "/src/libfreetype.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
        ("libsecret-1.so.0", "/src/libsecret-1.so.0", "BINARY"),
    ]
    links = {
        "/src/libqgtk3.so": {"libgtk-3.so.0", "libqt6gui.so.6"},
        "/src/libgtk-3.so.0": {"libcairo.so.2"},
        "/src/libcairo.so.2": {"libfreetype.so.6"},
        "/src/libQt6Gui.so.6": {"libfreetype.so.6"},
    }
    kept = qt_trim.keep_used_binaries(toc, lambda source: links.get(source, set()))
    assert [entry[0] for entry in kept] == [
        "libfreetype.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "libsecret-1.so.0",
    ]


def test_links_to_trimmed_libraries_are_dropped_and_others_kept() -> None:
    """PyInstaller adds top-level SYMLINK entries for Qt libraries; one pointing at a trimmed
    library would be left dangling in the app."""
    binaries = [
        ("PySide6/Qt/lib/libQt6Network.so.6", "/src/libQt6Network.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/libQt6Core.so.6", "BINARY"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("sub/libQt6Core.so.6", "../libQt6Core.so.6", "SYMLINK"),
        ("sub/libQt6Network.so.6", "../libQt6Network.so.6", "SYMLINK"),
    ]
    datas = [("PySide6/Qt/translations/qt_de.qm", "/src/qt_de.qm", "DATA")]
    kept_binaries, kept_datas = qt_trim.trim(binaries, datas, lambda source: set())
    assert [entry[0] for entry in kept_binaries] == [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "libQt6Core.so.6",
        "sub/libQt6Core.so.6",
    ]
    assert kept_datas == []


# --- icons and the desktop entry -------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_svg_icon_is_square_and_well_formed() -> None:
    svg = ElementTree.parse(ROOT / "resources" / "clustertrust.svg").getroot()
    assert svg.tag.endswith("svg")
    _, _, width, height = svg.attrib["viewBox"].split()
    assert width == height


@pytest.mark.parametrize("size", make_icons.PNG_SIZES)
def test_png_icons_have_the_size_in_their_name(size: int) -> None:
    assert png_size(make_icons.png_path(size).read_bytes()) == (size, size)


def test_png_icons_are_listed_as_package_data() -> None:
    shipped = {target.name for _, target in appinfo.package_files(appinfo.read_app_info())}
    for size in make_icons.PNG_SIZES:
        assert f"clustertrust-{size}.png" in shipped
    assert {"clustertrust.svg", "clustertrust.desktop"} <= shipped


def test_icon_renderer_draws_the_svg_at_the_asked_size(qapp: object) -> None:
    from PySide6.QtGui import QImage

    data = make_icons.render_png(64)
    assert png_size(data) == (64, 64)
    image = QImage.fromData(data)
    assert image.pixelColor(0, 0).alpha() == 0  # outside the rounded tile
    assert image.pixelColor(32, 58).alpha() == 255  # the tile itself
    assert image.pixelColor(32, 20).lightness() > 200  # the white shield


def test_windows_icon_directory_points_at_real_pngs() -> None:
    data = (PACKAGING / "windows" / "clustertrust.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(make_icons.ICO_SIZES))
    for index, size in enumerate(make_icons.ICO_SIZES):
        width, height, _, _, planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index : 22 + 16 * index]
        )
        assert (width or 256, height or 256, planes, bits) == (size, size, 1, 32)
        assert png_size(data[offset : offset + length]) == (size, size)


def test_macos_icon_elements_hold_pngs_of_their_size() -> None:
    data = (PACKAGING / "macos" / "clustertrust.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    offset, seen = 8, {}
    while offset < len(data):
        kind, length = (
            data[offset : offset + 4],
            struct.unpack(">I", data[offset + 4 : offset + 8])[0],
        )
        seen[kind] = png_size(data[offset + 8 : offset + length])
        offset += length
    assert offset == len(data)
    # Retina variants (ic11..ic14) hold twice the pixels of their nominal size.
    assert seen == {kind: (size, size) for kind, size in make_icons.ICNS_TYPES.items()}


def desktop_entry(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


DESKTOP_FILE_VALIDATE = shutil.which("desktop-file-validate")


@pytest.mark.skipif(not DESKTOP_FILE_VALIDATE, reason="scripts/dev installs desktop-file-utils")
def test_desktop_entry_passes_desktop_file_validate() -> None:
    result = subprocess.run(
        [DESKTOP_FILE_VALIDATE or "", str(ROOT / "resources" / "clustertrust.desktop")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_desktop_entry_starts_the_app_by_its_icon_and_command_names(info: appinfo.AppInfo) -> None:
    entry = desktop_entry(ROOT / "resources" / "clustertrust.desktop")
    assert entry["Exec"] == info.name and entry["TryExec"] == info.name
    assert entry["Icon"] == info.name and entry["Name"] == info.display_name
    assert entry["Terminal"] == "false" and entry["Type"] == "Application"


# --- Windows ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def versioninfo() -> Iterator[types.ModuleType]:
    """PyInstaller's version-resource module. Its pefile and win32api imports serve only to read
    resources back from Windows executables, so stand-ins let it load on Linux."""
    import PyInstaller.compat

    with pytest.MonkeyPatch.context() as patch:
        if importlib.util.find_spec("pefile") is None:
            patch.setitem(sys.modules, "pefile", types.ModuleType("pefile"))
        if not hasattr(PyInstaller.compat, "win32api"):
            patch.setattr(PyInstaller.compat, "win32api", None, raising=False)
        from PyInstaller.utils.win32 import versioninfo

        yield versioninfo


def test_windows_version_resource_compiles_with_pyinstaller(
    info: appinfo.AppInfo, tmp_path: Path, versioninfo: types.ModuleType
) -> None:
    version_info = load_version_info_module()
    path = version_info.write_version_file(info, "clustertrust-gui.exe", "ClusterTrust", tmp_path)
    resource = versioninfo.load_version_info_from_text_file(str(path))
    raw = resource.toRaw()
    for text in (info.version, "clustertrust-gui.exe", info.display_name, info.publisher):
        assert text.encode("utf-16-le") in raw
    major, minor, patch, build = info.version_tuple
    assert resource.ffi.fileVersionMS == (major << 16) | minor
    assert resource.ffi.fileVersionLS == (patch << 16) | build


def test_windows_manifest_runs_as_invoker_after_pyinstaller_processes_it() -> None:
    from PyInstaller.utils.win32 import winmanifest

    xml = (PACKAGING / "windows" / "clustertrust.manifest").read_bytes()
    embedded = winmanifest.create_application_manifest(xml, False, False).decode()
    levels = re.findall(r'requestedExecutionLevel level="(\w+)" uiAccess="(\w+)"', embedded)
    assert levels == [("asInvoker", "false")]
    assert "longPathAware" in embedded and "Microsoft.Windows.Common-Controls" in embedded


def inno_setup(section: str) -> list[str]:
    text = (PACKAGING / "windows" / "clustertrust.iss").read_text().replace("\\\n", "")
    body = text.split(f"[{section}]", 1)[1].split("\n[", 1)[0]
    return [line.strip() for line in body.splitlines() if line.strip() and line[0] not in ";#"]


def test_inno_setup_installs_per_user_without_elevation() -> None:
    setup = dict(line.split("=", 1) for line in inno_setup("Setup"))
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup
    assert setup["DefaultDirName"].startswith("{autopf}")  # %LOCALAPPDATA%\Programs when lowest
    assert setup["AppVersion"] == "{#AppVersion}"
    assert (PACKAGING / "windows" / setup["SetupIconFile"]).is_file()
    registry = " ".join(inno_setup("Registry"))
    assert "HKCU" in registry and "HKLM" not in registry


def test_inno_setup_points_at_the_executables_the_spec_builds(info: appinfo.AppInfo) -> None:
    spec = (PACKAGING / "clustertrust.spec").read_text()
    assert 'f"{info.name}-gui"' in spec
    icons = " ".join(inno_setup("Icons") + inno_setup("Run"))
    assert f"{{app}}\\{info.name}-gui.exe" in icons
    assert re.search(r'Source: "\{#SourceDir\}\\\*".*recursesubdirs', " ".join(inno_setup("Files")))


# --- macOS -----------------------------------------------------------------------------------


def test_info_plist_keys() -> None:
    keys = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert keys["NSHighResolutionCapable"] is True
    assert tuple(int(n) for n in keys["LSMinimumSystemVersion"].split(".")) >= (13, 0)
    spec = (PACKAGING / "clustertrust.spec").read_text()
    assert "bundle_identifier=info.bundle_id" in spec
    assert re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", appinfo.BUNDLE_ID)


def test_entitlements_only_relax_what_they_must() -> None:
    entitlements = plistlib.loads((PACKAGING / "macos" / "entitlements.plist").read_bytes())
    assert all(value is True for value in entitlements.values())
    assert "com.apple.security.app-sandbox" not in entitlements
    assert "com.apple.security.cs.disable-library-validation" not in entitlements
    assert "com.apple.security.get-task-allow" not in entitlements


@pytest.mark.skipif(sys.platform == "win32", reason="a bash script for macOS")
def test_sign_script_refuses_to_run_without_its_environment(tmp_path: Path) -> None:
    """Off a Mac it says it needs macOS; on a Mac it names the missing identity. Either way,
    exit 2 before touching the app."""
    app = tmp_path / "ClusterTrust.app"
    app.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODESIGN", "APPLE", "NOTARY"))}
    result = subprocess.run(
        ["bash", str(PACKAGING / "macos" / "sign_and_notarize.sh")],
        capture_output=True, text=True, env={**env, "APP_PATH": str(app)}, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    expected = "CODESIGN_IDENTITY" if sys.platform == "darwin" else "this needs macOS"
    assert expected in result.stderr
    assert list(app.iterdir()) == []


# --- CI workflow -----------------------------------------------------------------------------


def test_workflow_tests_and_builds_on_three_systems_and_keeps_artifacts() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "build.yml").read_text())
    job = workflow["jobs"]["test-and-build"]
    assert set(job["strategy"]["matrix"]["os"]) == {
        "ubuntu-latest",
        "windows-latest",
        "macos-latest",
    }
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert ".ci/run" in runs and "python -m pytest" in runs
    assert "packaging/build.py --installer" in runs and "packaging/build.py" in runs
    upload = next(
        step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact")
    )
    assert upload["with"]["if-no-files-found"] == "error"
    for pattern in ("dist/*.tar.gz", "dist/*.zip", "dist/*-setup.exe"):
        assert pattern in upload["with"]["path"]


# --- build.py and install.sh without a build -------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        ["--max-mb", "0"],
        ["--no-such-option"],
        pytest.param(
            ["--installer"], marks=pytest.mark.skipif(sys.platform == "win32", reason="may build")
        ),
    ],
)
def test_build_script_rejects_bad_arguments_without_building(
    arguments: list[str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "build.py"), "--dist", str(tmp_path / "dist"),
         "--work", str(tmp_path / "work"), *arguments],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert re.search(r"max-mb|unrecognized arguments|Inno Setup", result.stderr)
    assert list(tmp_path.iterdir()) == []


SHELL_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="install.sh is for Linux")


def fake_unpacked_tarball(folder: Path, version: str = "9.8.7") -> Path:
    """An unpacked release as build.py lays it out, with a shell script standing in for the app."""
    app = folder / "clustertrust"
    resources = app / "_internal" / "clustertrust" / "resources"
    resources.mkdir(parents=True)
    for path in (ROOT / "resources").iterdir():
        if path.suffix in {".png", ".svg", ".desktop"}:
            shutil.copy2(path, resources / path.name)
    binary = app / "clustertrust"
    binary.write_text(f"#!/bin/sh\necho 'clustertrust {version}'\n")
    binary.chmod(0o755)
    shutil.copy2(PACKAGING / "linux" / "install.sh", folder / "install.sh")
    shutil.copy2(PACKAGING / "linux" / POLICY, folder / POLICY)
    return folder / "install.sh"


POLICY = "org.clustertrust.privileged.policy"


def run_install(
    script: Path, home: Path, *arguments: str, polkit: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    if polkit is not None:
        env["CLUSTERTRUST_POLKIT_ACTIONS"] = str(polkit)
    return subprocess.run(
        ["sh", str(script), *arguments], capture_output=True, text=True, env=env, timeout=60
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file and link under folder with its content (empty folders do not count)."""
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.exists() else b"dangling link"
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


@SHELL_ONLY
def test_install_script_installs_menu_entry_icons_and_command_for_the_user(tmp_path: Path) -> None:
    script, home = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "home"
    result = run_install(script, home)
    assert result.returncode == 0, result.stderr
    app = home / ".local" / "lib" / "clustertrust" / "clustertrust"
    assert (home / ".local" / "bin" / "clustertrust").resolve() == app.resolve()
    entry = desktop_entry(home / ".local/share/applications/clustertrust.desktop")
    assert entry["Exec"] == f'"{app}"' and entry["TryExec"] == str(app)
    icons = home / ".local/share/icons/hicolor"
    for size in make_icons.PNG_SIZES:
        assert (
            png_size((icons / f"{size}x{size}/apps/clustertrust.png").read_bytes()) == (size,) * 2
        )
    assert (icons / "scalable/apps/clustertrust.svg").is_file()
    assert "Installed ClusterTrust 9.8.7" in result.stdout


@SHELL_ONLY
def test_install_script_upgrades_in_place_and_uninstalls_everything(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".local" / "share" / "clustertrust").mkdir(parents=True)  # user data: must survive
    (home / ".local" / "share" / "clustertrust" / "client.key").write_text("key")
    before = snapshot(home)
    run_install(fake_unpacked_tarball(tmp_path / "old", "1.0.0"), home)
    upgrade = run_install(fake_unpacked_tarball(tmp_path / "new", "2.0.0"), home)
    assert "Installed ClusterTrust 2.0.0" in upgrade.stdout
    assert not (home / ".local/lib/clustertrust.old").exists()
    removed = run_install(tmp_path / "new" / "install.sh", home, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert snapshot(home) == before


@SHELL_ONLY
@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--bogus"], "unknown option '--bogus'"), (["--prefix"], "--prefix needs a folder")],
)
def test_install_script_rejects_bad_options_and_changes_nothing(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    script, home = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "home"
    home.mkdir()
    result = run_install(script, home, *arguments)
    assert result.returncode == 2 and message in result.stderr
    assert list(home.iterdir()) == []


@SHELL_ONLY
def test_install_script_without_an_app_beside_it_changes_nothing(tmp_path: Path) -> None:
    script = tmp_path / "install.sh"
    shutil.copy2(PACKAGING / "linux" / "install.sh", script)
    home = tmp_path / "home"
    home.mkdir()
    result = run_install(script, home)
    assert result.returncode == 2 and "Run it from the unpacked tarball" in result.stderr
    assert list(home.iterdir()) == []


@SHELL_ONLY
@pytest.mark.skipif(os.geteuid() != 0, reason="the polkit action is installed by root only")
def test_a_system_wide_install_names_clustertrust_in_the_pkexec_prompt(tmp_path: Path) -> None:
    """GIVEN root installing under a prefix; THEN a polkit action whose exec.path is the app, so
    pkexec shows our message; uninstalling removes it again."""
    import xml.etree.ElementTree as ET

    script, polkit = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "actions"
    prefix = tmp_path / "usr-local"
    done = run_install(script, tmp_path / "home", "--prefix", str(prefix), polkit=polkit)
    assert done.returncode == 0, done.stderr
    action = ET.parse(polkit / POLICY).getroot().find("action")
    assert action is not None and action.get("id") == "org.clustertrust.privileged"
    annotate = action.find("annotate[@key='org.freedesktop.policykit.exec.path']")
    assert annotate is not None and annotate.text == str(prefix / "lib/clustertrust/clustertrust")
    assert "certificate authorit" in (action.findtext("message") or "")
    assert stat.S_IMODE((polkit / POLICY).stat().st_mode) == 0o644
    removed = run_install(script, tmp_path / "home", "--prefix", str(prefix), "--uninstall",
                          polkit=polkit)  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    assert not (polkit / POLICY).exists()


@SHELL_ONLY
def test_a_home_with_a_space_gets_a_quoted_exec_line(tmp_path: Path) -> None:
    script, home = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "Jane Doe"
    assert run_install(script, home).returncode == 0
    installed = home / ".local/share/applications/clustertrust.desktop"
    entry = desktop_entry(installed)
    app = home / ".local/lib/clustertrust/clustertrust"
    assert entry["Exec"] == f'"{app}"' and entry["TryExec"] == str(app)
    if DESKTOP_FILE_VALIDATE:
        checked = subprocess.run([DESKTOP_FILE_VALIDATE, str(installed)], capture_output=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


@SHELL_ONLY
@pytest.mark.skipif(os.geteuid() != 0, reason="the polkit action is installed by root only")
def test_a_prefix_with_sed_and_xml_characters_is_carried_exactly(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    script, polkit = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "actions"
    prefix = tmp_path / "opt/R&D | tools <x>"
    done = run_install(script, tmp_path / "home", "--prefix", str(prefix), polkit=polkit)
    assert done.returncode == 0, done.stderr
    app = prefix / "lib/clustertrust/clustertrust"
    action = ET.parse(polkit / POLICY).getroot().find("action")
    assert action is not None
    annotate = action.find("annotate[@key='org.freedesktop.policykit.exec.path']")
    assert annotate is not None and annotate.text == str(app)
    entry = desktop_entry(prefix / "share/applications/clustertrust.desktop")
    assert entry["Exec"] == f'"{app}"'
    removed = run_install(script, tmp_path / "home", "--prefix", str(prefix), "--uninstall",
                          polkit=polkit)  # fmt: skip
    assert removed.returncode == 0 and not (polkit / POLICY).exists()


@SHELL_ONLY
@pytest.mark.parametrize("character", ['"', "$", "`", "%", "\\"])
def test_a_folder_the_menu_entry_cannot_carry_is_refused_before_any_change(
    character: str, tmp_path: Path
) -> None:
    script, home = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "home"
    home.mkdir()
    prefix = tmp_path / f"odd{character}name"
    result = run_install(script, home, "--prefix", str(prefix))
    assert result.returncode == 2 and "cannot carry" in result.stderr
    assert not prefix.exists() and list(home.iterdir()) == []


@SHELL_ONLY
def test_a_user_install_leaves_polkit_alone(tmp_path: Path) -> None:
    script, polkit = fake_unpacked_tarball(tmp_path / "release"), tmp_path / "actions"
    assert run_install(script, tmp_path / "home", polkit=polkit).returncode == 0
    assert not polkit.exists()
