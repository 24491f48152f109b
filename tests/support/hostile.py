"""A corpus of hostile or broken inputs: every unsafe-archive case, bombs, garbage, truncation."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile

from support import pki


def _tar(*members: tarfile.TarInfo, data: bytes = b"x", gz: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w:gz" if gz else "w:", format=tarfile.GNU_FORMAT
    ) as tar:
        for info in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def _info(
    name: str, kind: bytes = tarfile.REGTYPE, size: int = 1, link: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size if kind == tarfile.REGTYPE else 0, link
    return info


def _zip_entry(name: str, data: bytes, mode: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        if mode is not None:
            info.create_system, info.external_attr = 3, mode << 16
        archive.writestr(info, data)
    return buffer.getvalue()


def _many_members(count: int) -> bytes:
    return pki.zip_bytes({f"f{i}.txt": b"x" for i in range(count)})


def _nested(depth: int) -> bytes:
    data = b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"
    for _ in range(depth):
        data = gzip.compress(data)
    return data


def corpus(good_tgz: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, a phrase the error message must contain)."""
    zeros = b"\0" * (64 << 20)
    return {
        "tar-absolute": (_tar(_info("/etc/ca.crt")), "absolute path"),
        "tar-dotdot": (_tar(_info("certs/../../evil.crt")), "'..'"),
        "tar-symlink": (_tar(_info("ca.crt", tarfile.SYMTYPE, link="/etc/shadow")), "link"),
        "tar-hardlink": (_tar(_info("ca.crt", tarfile.LNKTYPE, link="/etc/passwd")), "link"),
        "tar-chardev": (_tar(_info("null", tarfile.CHRTYPE)), "special file"),
        "tar-fifo": (_tar(_info("pipe", tarfile.FIFOTYPE)), "special file"),
        "tar-good-then-link": (
            _tar(_info("ok.txt"), _info("evil", tarfile.SYMTYPE, link="/")),
            "link",
        ),
        "zip-dotdot": (_zip_entry("../evil.crt", b"x"), "'..'"),
        "zip-absolute": (_zip_entry("/tmp/evil.crt", b"x"), "absolute path"),
        "zip-backslash-dotdot": (_zip_entry("..\\evil.crt", b"x"), "'..'"),
        "zip-symlink": (_zip_entry("ca.crt", b"/etc/shadow", stat.S_IFLNK | 0o777), "link"),
        "gzip-bomb": (gzip.compress(zeros, 9), "unpacks to more"),
        "zip-bomb": (pki.zip_bytes({"big.crt": zeros}), "unpacks to more"),
        "tar-declared-huge": (
            _tar(_info("big", size=64 << 20), data=b"\0" * (64 << 20)),
            "unpacks to more",
        ),
        "too-many-members": (_many_members(500), "more than 64 files"),
        "nested-too-deep": (_nested(8), "nested more than"),
        "truncated-tgz": (good_tgz[: len(good_tgz) // 2], "damaged or truncated"),
        "garbage": (bytes(range(256)) * 8, "No certificate"),
        "text": (b"hello, this is not a certificate\n", "No certificate"),
        "broken-pem": (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "damaged or truncated",
        ),
        "empty": (b"", "is empty"),
    }
