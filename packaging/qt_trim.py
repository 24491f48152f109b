"""Keep the frozen app small: drop the Qt modules, plugins and translations it never uses.

The app imports QtCore, QtGui and QtWidgets (appinfo.QT_MODULES_USED); every other PySide6 module
is excluded. PyInstaller's PySide6 hooks still pull in libraries through plugins (the PDF image
format needs QtPdf, the network-information and TLS plugins need QtNetwork, the virtual keyboard
needs Quick and QML) and every Qt translation; only qtbase's, for the languages our own catalogs
cover, stays (the standard buttons in the same language). This module names what to leave out.
The SVG icon engine stays (with libQt6Svg): desktop icon themes draw dialog icons from SVG.
"""

from __future__ import annotations

import importlib.util
import posixpath
import re
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

from appinfo import QT_MODULES_USED
from catalogs import languages

# Qt shared libraries (any OS spelling: libQt6Qml.so.6, Qt6Qml.dll, QtQml.framework) never needed.
UNUSED_QT_LIBRARIES = re.compile(
    r"Qt6?(Qml|Quick|Pdf|Network|Sql|Designer|Help|Test|UiTools|Concurrent|OpenGLWidgets|"
    r"PrintSupport|Xml|VirtualKeyboard|Labs|Lottie|ShaderTools|3D|Multimedia|WebEngine|"
    r"WaylandCompositor|WaylandEglCompositor|WlShellIntegration|EglFS|EglFsKms)",
)
# Plugin folders the app never loads: databases, QML, TLS/network, printing, embedded displays.
UNUSED_PLUGIN_FOLDERS = frozenset(
    {
        "designer",
        "egldeviceintegrations",
        "generic",
        "networkinformation",
        "printsupport",
        "qmltooling",
        "sqldrivers",
        "tls",
        "vectorimageformats",
        "wayland-graphics-integration-server",
    }
)
# Platform plugins worth shipping: desktops (xcb, wayland, windows, cocoa) and offscreen for
# headless runs; framebuffer, VNC and EGLFS targets are for embedded devices.
UNUSED_PLATFORM_PLUGIN = re.compile(r"q(eglfs|linuxfb|minimal|minimalegl|vnc|vkkhrdisplay)\b")
# Plugins that would need a library dropped above (virtual keyboard: Quick/QML; wl-shell: an
# obsolete Wayland shell; desktops use xdg-shell), and the GTK3 theme, which would copy the build
# machine's GTK, cairo and pango into the app (about 15 MB) and clash with the user's newer GTK;
# the xdg-desktop-portal theme still gives native file dialogs on GNOME and KDE.
UNUSED_PLUGIN_FILE = re.compile(r"(qtvirtualkeyboardplugin|wl-shell-plugin|qgtk3)")
# Image formats beyond PNG/SVG/ICO the app never reads (PNG is built into QtGui).
UNUSED_IMAGE_FORMAT = re.compile(r"q(pdf|tga|tiff|wbmp|webp|icns|jpeg|gif|macheif|macjp2)\b")


def qt_module_excludes() -> list[str]:
    """Every PySide6 module installed here except the ones the app imports."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return []
    folder = Path(spec.origin).parent
    names = {path.name.split(".")[0] for path in folder.glob("Qt*.*") if path.suffix != ".pyi"}
    return sorted(f"PySide6.{name}" for name in names - set(QT_MODULES_USED))


def is_unused_qt_file(destination: str) -> bool:
    """True for a collected file (its path inside the app) that the app never loads."""
    parts = PurePath(destination.replace("\\", "/")).parts
    if "PySide6" not in parts:
        return False
    name = parts[-1]
    if "translations" in parts:  # Qt's own, only for the languages we translate into ourselves
        return not any(name == f"qtbase_{language}.qm" for language in languages())
    if "plugins" in parts:
        folder = (
            parts[parts.index("plugins") + 1] if len(parts) > parts.index("plugins") + 2 else ""
        )
        if folder in UNUSED_PLUGIN_FOLDERS:
            return True
        if folder == "platforms" and UNUSED_PLATFORM_PLUGIN.search(name):
            return True
        if UNUSED_PLUGIN_FILE.search(name):
            return True
        return folder == "imageformats" and bool(UNUSED_IMAGE_FORMAT.search(name))
    return bool(UNUSED_QT_LIBRARIES.search(name)) or any(
        UNUSED_QT_LIBRARIES.search(part) for part in parts if part.endswith(".framework")
    )


Entry = tuple[str, str, str]  # a PyInstaller TOC entry: (destination, source, kind)


def keep_used(entries: Iterable[Entry]) -> list[Entry]:
    """Filter a TOC of data files down to what the app can load."""
    return [entry for entry in entries if not is_unused_qt_file(entry[0])]


def keep_used_binaries(
    binaries: Iterable[Entry], imports_of: Callable[[str], set[str]] | None = None
) -> list[Entry]:
    """Drop unused Qt binaries, then the libraries only they needed (GTK for the GTK theme).

    `imports_of(source_path)` names the libraries a binary links to (PyInstaller's own analysis
    by default); a library stays if anything kept still needs it, directly or through others.
    """
    imports_of = imports_of or _linked_library_names
    kept = [entry for entry in binaries if not is_unused_qt_file(entry[0])]
    dropped = [entry for entry in binaries if is_unused_qt_file(entry[0])]
    by_name = {_library_name(entry[0]): entry for entry in kept}
    # Qt's own files are decided by the patterns above; only libraries copied in from the build
    # machine because a dropped plugin linked to them are candidates for pruning.
    candidates = {
        name
        for name in _closure([entry[1] for entry in dropped], by_name, imports_of)
        if not _is_pyside6(by_name[name][0])
    }
    roots = [entry[1] for entry in kept if _library_name(entry[0]) not in candidates]
    still_needed = _closure(roots, by_name, imports_of)
    orphans = candidates - still_needed
    return [entry for entry in kept if _library_name(entry[0]) not in orphans]


def trim(
    binaries: Iterable[Entry],
    datas: Iterable[Entry],
    imports_of: Callable[[str], set[str]] | None = None,
) -> tuple[list[Entry], list[Entry]]:
    """The Analysis' binaries and datas without unused Qt, orphaned libraries or dangling links."""
    kept_binaries, kept_datas = keep_used_binaries(binaries, imports_of), keep_used(datas)
    present = _present_after_links(kept_binaries + kept_datas)
    return (
        [entry for entry in kept_binaries if _normal(entry[0]) in present],
        [entry for entry in kept_datas if _normal(entry[0]) in present],
    )


def _present_after_links(entries: list[Entry]) -> set[str]:
    """Destinations left once every SYMLINK whose target is gone is gone too. PyInstaller adds such
    links (e.g. libQt6Network.so.6 -> PySide6/Qt/lib/...) for libraries found in subfolders."""
    present = {_normal(entry[0]) for entry in entries}
    while True:
        dangling = {
            _normal(dest)
            for dest, target, kind in entries
            if kind == "SYMLINK"
            and _normal(dest) in present
            and _link_target(dest, target) not in present
        }
        if not dangling:
            return present
        present -= dangling


def _normal(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def _link_target(destination: str, target: str) -> str:
    return posixpath.normpath(
        posixpath.join(posixpath.dirname(_normal(destination)), _normal(target))
    )


def _closure(
    sources: list[str], by_name: dict[str, Entry], imports_of: Callable[[str], set[str]]
) -> set[str]:
    """Names of the collected libraries reachable from `sources` through link-time imports."""
    seen: set[str] = set()
    pending = list(sources)
    while pending:
        for name in imports_of(pending.pop()):
            if name in by_name and name not in seen:
                seen.add(name)
                pending.append(by_name[name][1])
    return seen


def _is_pyside6(destination: str) -> bool:
    return "PySide6" in PurePath(destination.replace("\\", "/")).parts


def _library_name(path: str) -> str:
    return PurePath(path.replace("\\", "/")).name.lower()


def _linked_library_names(source: str) -> set[str]:
    from PyInstaller.depend import bindepend

    return {
        _library_name(name or full) for name, full in bindepend.get_imports(source) if name or full
    }
