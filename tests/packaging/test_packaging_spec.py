"""packaging/clustertrust.spec for each OS, run against recording stand-ins for PyInstaller's
Analysis/PYZ/EXE/COLLECT/BUNDLE. Only the Linux build runs for real here (test_packaging_build);
this shows what the Windows and macOS builds are asked for, option by option."""

from __future__ import annotations

import plistlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "clustertrust.spec"


@dataclass
class Call:
    kind: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    scripts: list[tuple[str, str, str]] = field(default_factory=list)
    binaries: list[tuple[str, str, str]] = field(default_factory=list)
    datas: list[tuple[str, str, str]] = field(default_factory=list)
    pure: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)
    workpath: Path = Path()

    def of(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]


def analysis(recording: Recording):  # type: ignore[no-untyped-def]
    def make(entry_points: list[str], **kwargs: Any) -> Call:
        hooks = [("pyi_rth_pyside6", "/hooks/pyi_rth_pyside6.py", "PYSOURCE")]
        mine = [(Path(p).stem, p, "PYSOURCE") for p in entry_points]
        call = Call("Analysis", (entry_points,), kwargs, scripts=hooks + mine)
        recording.calls.append(call)
        return call

    return make


def recorder(recording: Recording, kind: str):  # type: ignore[no-untyped-def]
    def make(*args: Any, **kwargs: Any) -> Call:
        call = Call(kind, args, kwargs)
        recording.calls.append(call)
        return call

    return make


def run_spec(system: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Recording:
    monkeypatch.setattr(sys, "platform", system)
    monkeypatch.setattr(sys, "path", list(sys.path))
    recording = Recording(workpath=tmp_path / "work")
    namespace: dict[str, Any] = {
        "SPECPATH": str(PACKAGING),
        "workpath": str(recording.workpath),
        "DISTPATH": str(tmp_path / "dist"),
        "Analysis": analysis(recording),
        **{kind: recorder(recording, kind) for kind in ("PYZ", "EXE", "COLLECT", "BUNDLE")},
    }
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), namespace)
    return recording


def script_names(exe: Call) -> list[str]:
    return [script[0] for script in exe.args[1]]


def test_linux_one_stripped_console_executable_in_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = run_spec("linux", tmp_path, monkeypatch)
    (exe,) = recording.of("EXE")
    assert exe.kwargs["name"] == "clustertrust" and exe.kwargs["console"] is True
    assert exe.kwargs["strip"] is True and exe.kwargs["upx"] is False
    assert exe.kwargs["icon"] is None and exe.kwargs["manifest"] is None
    assert exe.kwargs["exclude_binaries"] is True  # onedir, not onefile
    (collect,) = recording.of("COLLECT")
    assert collect.kwargs["name"] == "clustertrust" and collect.kwargs["upx"] is False
    assert recording.of("BUNDLE") == []


def test_analysis_ships_every_module_the_data_and_the_ssl_hook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (call,) = run_spec("linux", tmp_path, monkeypatch).of("Analysis")
    hidden = set(call.kwargs["hiddenimports"])
    lazily_imported = {"clustertrust.gui.app", "clustertrust.cli.privileged_cmd"}
    assert lazily_imported | {"clustertrust.platform.runner", "clustertrust.resources"} <= hidden
    assert not any(name.endswith("__init__") for name in hidden)
    destinations = {Path(source).name: target for source, target in call.kwargs["datas"]}
    assert destinations["clustertrust-256.png"] == "clustertrust/resources"
    assert destinations["clustertrust.desktop"] == "clustertrust/resources"
    assert any(name.endswith(".dist-info") for name in destinations)
    assert {"PySide6.QtQml", "PySide6.QtNetwork", "tkinter"} <= set(call.kwargs["excludes"])
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"} & set(
        call.kwargs["excludes"]
    )
    (hook,) = call.kwargs["runtime_hooks"]
    assert Path(hook).is_file()
    assert call.kwargs["pathex"] == [str(tmp_path / "work" / "stage")]


def test_windows_console_cli_and_windowed_gui_share_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = run_spec("win32", tmp_path, monkeypatch)
    cli, gui = recording.of("EXE")
    assert (cli.kwargs["name"], cli.kwargs["console"]) == ("clustertrust", True)
    assert (gui.kwargs["name"], gui.kwargs["console"]) == ("clustertrust-gui", False)
    assert script_names(cli) == ["pyi_rth_pyside6", "entry_cli"]
    assert script_names(gui) == ["pyi_rth_pyside6", "entry_gui"]
    for exe in (cli, gui):
        assert (
            exe.kwargs["icon"].endswith("clustertrust.ico") and Path(exe.kwargs["icon"]).is_file()
        )
        assert Path(exe.kwargs["manifest"]).name == "clustertrust.manifest"
        assert exe.kwargs["uac_admin"] is False and exe.kwargs["strip"] is False
        version = Path(exe.kwargs["version"]).read_text()
        assert f"StringStruct('OriginalFilename', '{exe.kwargs['name']}.exe')" in version
    (collect,) = recording.of("COLLECT")
    assert collect.args[:2] == (cli, gui)


def test_macos_windowed_app_bundle_with_the_info_plist_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = run_spec("darwin", tmp_path, monkeypatch)
    (exe,) = recording.of("EXE")
    assert exe.kwargs["console"] is False  # True would make the app LSBackgroundOnly
    assert exe.kwargs["argv_emulation"] is False and exe.kwargs["codesign_identity"] is None
    (bundle,) = recording.of("BUNDLE")
    assert bundle.kwargs["name"] == "ClusterTrust.app"
    assert bundle.kwargs["bundle_identifier"] == "org.clustertrust.ClusterTrust"
    assert bundle.kwargs["icon"].endswith("clustertrust.icns")
    plist = bundle.kwargs["info_plist"]
    keys = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert keys.items() <= plist.items()
    version = bundle.kwargs["version"]
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == version
    assert f'version = "{version}"' in (ROOT / "pyproject.toml").read_text()
    assert "LSBackgroundOnly" not in plist
