"""Safe, in-memory unpacking of the archives a bundle may come in (tar, gzip, bzip2, xz, zip).

An archive with any unsafe member is refused whole; size and count caps stop bombs before their
content is read out.
"""

from __future__ import annotations

import bz2
import io
import lzma
import posixpath
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from clustertrust.core.errors import BundleError
from clustertrust.core.i18n import tr, translatable

if TYPE_CHECKING:
    import zipfile


class Limits(NamedTuple):
    max_members: int = 64
    max_member_bytes: int = 1 << 20
    max_total_bytes: int = 8 << 20
    max_depth: int = 4


class Member(NamedTuple):
    """One plain file found inside the input; `path` shows the archives it was nested in."""

    path: str
    data: bytes


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.members = 0
        self.total = 0

    def take(self, where: str, size: int) -> None:
        self.members += 1
        self.total += size
        if self.members > self.limits.max_members:
            raise BundleError(
                tr(
                    "{where} holds more than {count} files, far more than a certificate bundle "
                    "has; it was not unpacked."
                ).format(where=where, count=self.limits.max_members),
                tr("Check that you picked the cluster's certificate bundle."),
            )
        if size > self.limits.max_member_bytes or self.total > self.limits.max_total_bytes:
            raise _too_big(where, self.limits)


def _too_big(where: str, limits: Limits) -> BundleError:
    return BundleError(
        tr(
            "{where} unpacks to more than a certificate bundle ever holds (the limit is {kib} KiB "
            "a file, {mib} MiB in all); it was refused without unpacking it."
        ).format(where=where, kib=limits.max_member_bytes >> 10, mib=limits.max_total_bytes >> 20),
        tr("Check that you picked the cluster's certificate bundle."),
    )


def expand(name: str, data: bytes, limits: Limits | None = None) -> list[Member]:
    """Every plain file in `data`, archives opened recursively; raises BundleError if unsafe."""
    return list(_expand(name, data, 0, _Budget(limits or Limits())))


def _expand(name: str, data: bytes, depth: int, budget: _Budget) -> Iterator[Member]:
    unpack = _unpacker_for(data)
    if unpack is None:
        yield Member(name, data)
        return
    if depth >= budget.limits.max_depth:
        raise BundleError(
            tr("{name} has archives nested more than {depth} deep; it was refused.").format(
                name=name, depth=budget.limits.max_depth
            ),
            tr("Unpack it once by hand and choose the folder with the certificate files."),
        )
    for child, child_data in unpack(name, data, budget):
        yield from _expand(f"{name}/{child}", child_data, depth + 1, budget)


Unpacker = Callable[[str, bytes, _Budget], Iterator[tuple[str, bytes]]]


def _unpacker_for(data: bytes) -> Unpacker | None:
    if data[:2] == b"\x1f\x8b":
        return _gunzip
    if data[:3] == b"BZh":
        return _bunzip
    if data[:6] == b"\xfd7zXZ\x00":
        return _unxz
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _unzip
    if data[257:262] == b"ustar" or _v7_tar_header(data[:512]):
        return _untar
    return None


def _v7_tar_header(header: bytes) -> bool:
    """An old (v7) tar has no magic: its first header's own checksum is what identifies it."""
    if len(header) < 512 or header[0] == 0:  # a header starts with the member name
        return False
    field = header[148:156].split(b"\0", 1)[0].strip()
    if not field or any(c not in b"01234567" for c in field):
        return False
    unsigned = sum(header[:148]) + 8 * 0x20 + sum(header[156:512])
    return int(field, 8) == unsigned


def _decompress(name: str, data: bytes, budget: _Budget, make: Callable[[], object]) -> bytes:
    decompressor = make()
    cap = budget.limits.max_total_bytes - budget.total
    try:
        out: bytes = decompressor.decompress(data, cap + 1)  # type: ignore[attr-defined]
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
        raise _damaged(name, "compressed data") from exc
    if len(out) > cap:
        raise _too_big(name, budget.limits)
    if not decompressor.eof:  # type: ignore[attr-defined]
        raise _damaged(name, "compressed data")
    return out


def _inner_name(name: str, suffixes: tuple[str, ...]) -> str:
    base = posixpath.basename(name)
    for suffix in suffixes:
        if base.lower().endswith(suffix):
            return base[: -len(suffix)] + (".tar" if suffix.startswith(".t") else "")
    return base + ".unpacked"


def _gunzip(name: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    out = _decompress(name, data, budget, lambda: zlib.decompressobj(16 + zlib.MAX_WBITS))
    yield _inner_name(name, (".tgz", ".gz")), out


def _bunzip(name: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    yield _inner_name(name, (".tbz2", ".bz2")), _decompress(name, data, budget, bz2.BZ2Decompressor)


def _unxz(name: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    yield _inner_name(name, (".txz", ".xz")), _decompress(name, data, budget, lzma.LZMADecompressor)


DAMAGED = {
    "compressed data": translatable(
        "{name} is damaged or truncated: its compressed data cannot be read."
    ),
    "tar archive": translatable("{name} is damaged or truncated: its tar archive cannot be read."),
    "zip archive": translatable("{name} is damaged or truncated: its zip archive cannot be read."),
}
UNSAFE = {
    "absolute": translatable(
        "{name} was refused because its member {member} has an absolute path. Certificate "
        "bundles never contain such entries, so nothing from this archive was used."
    ),
    "outside": translatable(
        "{name} was refused because its member {member} points outside the archive with '..'. "
        "Certificate bundles never contain such entries, so nothing from this archive was used."
    ),
    "special": translatable(
        "{name} was refused because its member {member} is a link or a special file. "
        "Certificate bundles never contain such entries, so nothing from this archive was used."
    ),
}


def _damaged(name: str, what: str) -> BundleError:
    return BundleError(
        tr(DAMAGED[what]).format(name=name),
        tr(
            "Download the bundle again; if it keeps failing, ask the cluster's administrator for "
            "a new one."
        ),
    )


def _unsafe(name: str, member: str, why: str) -> BundleError:
    return BundleError(
        tr(UNSAFE[why]).format(name=name, member=repr(member)),
        tr("Ask the cluster's administrator for the bundle as the vendor issues it."),
    )


def _safe_path(name: str, member: str) -> str:
    normal = member.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        raise _unsafe(name, member, "absolute")
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _unsafe(name, member, "outside")
    return "/".join(parts)


def _untar(name: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    files: list[tuple[str, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            while (info := tar.next()) is not None:
                path = _safe_path(name, info.name)
                if info.isdir():
                    continue
                if not info.isreg():
                    raise _unsafe(name, info.name, "special")
                budget.take(f"{name}/{path}", info.size)
                handle = tar.extractfile(info)
                content = handle.read(info.size) if handle else b""
                if len(content) != info.size:
                    raise _damaged(name, "tar archive")
                files.append((path, content))
    except tarfile.TarError as exc:
        raise _damaged(name, "tar archive") from exc
    # Yield only after the whole archive was checked, so an unsafe member refuses it whole.
    yield from files


def _zip_mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0o170000 if info.create_system == 3 else 0


def _unzip(name: str, data: bytes, budget: _Budget) -> Iterator[tuple[str, bytes]]:
    import zipfile  # loaded for a zip only (the common bundle is a tar.gz)

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _damaged(name, "zip archive") from exc
    with archive:
        infos = archive.infolist()
        for info in infos:
            _safe_path(name, info.filename)
            mode = _zip_mode(info)
            if not info.is_dir() and mode not in (0, stat.S_IFREG):
                raise _unsafe(name, info.filename, "special")
        files = [
            _read_zip_member(name, archive, info, budget) for info in infos if not info.is_dir()
        ]
    yield from files


def _read_zip_member(
    name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget
) -> tuple[str, bytes]:
    path = _safe_path(name, info.filename)
    if info.flag_bits & 0x1:
        raise BundleError(
            tr("{name} is a password-protected zip; ClusterTrust does not open those.").format(
                name=name
            ),
            tr("Unzip it with your archive tool and choose the folder with the certificate files."),
        )
    budget.take(f"{name}/{path}", info.file_size)
    import zipfile

    try:
        with archive.open(info) as handle:
            # The declared size may lie: read one byte past the cap to notice.
            content = handle.read(budget.limits.max_member_bytes + 1)
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        zlib.error,
    ) as exc:
        raise _damaged(name, "zip archive") from exc
    if len(content) > budget.limits.max_member_bytes:
        raise _too_big(name, budget.limits)
    budget.total += len(content) - info.file_size
    return path, content
