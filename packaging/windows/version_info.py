"""Generate the Windows version resource (Explorer's Details tab) from pyproject metadata.

PyInstaller reads this text format with `versioninfo.load_version_info_from_text_file`; the spec
writes one file per executable because OriginalFilename differs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from appinfo import AppInfo, read_app_info

US_ENGLISH_UNICODE = "040904B0"  # language 0x0409, code page 1200 (UTF-16)
VOS_NT_WINDOWS32 = 0x40004
VFT_APP = 0x1


def version_info_text(info: AppInfo, exe_name: str, description: str) -> str:
    numbers = info.version_tuple
    strings = {
        "CompanyName": info.publisher,
        "FileDescription": description,
        "FileVersion": info.version,
        "InternalName": exe_name.removesuffix(".exe"),
        "LegalCopyright": f"{info.publisher}, {info.license} license",
        "OriginalFilename": exe_name,
        "ProductName": info.display_name,
        "ProductVersion": info.version,
    }
    table = ",\n".join(f"        StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3f,
    flags=0x0,
    OS={VOS_NT_WINDOWS32:#x},
    fileType={VFT_APP:#x},
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable({US_ENGLISH_UNICODE!r}, [
{table}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [0x0409, 1200])])
  ]
)
"""


def write_version_file(info: AppInfo, exe_name: str, description: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"version_{exe_name.removesuffix('.exe')}.txt"
    target.write_text(version_info_text(info, exe_name, description), encoding="utf-8")
    return target


if __name__ == "__main__":
    print(version_info_text(read_app_info(), "clustertrust.exe", "ClusterTrust command line"))
