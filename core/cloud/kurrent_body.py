"""Turn a Kurrent Cloud certificate answer into bundle files: the tar.gz itself, base64 text of
it, or JSON with the bundle (or its PEM files) inside. Parsing by content happens later in
core.bundle; this only unwraps the transport."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from clustertrust.core.errors import BundleError
from clustertrust.core.i18n import tr

_GZIP, _ZIP, _DER = b"\x1f\x8b", b"PK\x03\x04", b"\x30"
_PEM = b"-----BEGIN "
_FILE_NAME = re.compile(r"^[\w.-]+\.(crt|pem|key|p12|pfx|cer|der|tar|gz|tgz|zip)$", re.IGNORECASE)
MIN_BINARY = 64


def bundle_files(
    body: bytes, headers: Mapping[str, str], what: str
) -> tuple[tuple[str, bytes], ...]:
    files = tuple(_unwrap(body, headers.get("content-type", "")))
    if not files:
        raise BundleError(
            tr(
                "Kurrent Cloud's answer for {what} holds no certificate bundle ({size} bytes, "
                "{type})."
            ).format(
                what=what,
                size=len(body),
                type=headers.get("content-type") or tr("no content type"),
            ),
            tr("Download the bundle from the console instead and choose the file."),
        )
    return files


def _unwrap(body: bytes, content_type: str) -> Iterator[tuple[str, bytes]]:
    if _is_material(body):
        yield _named("certificate_bundle", body)
        return
    text = body.strip()
    if text.startswith((b"{", b"[")) or "json" in content_type:
        try:
            document = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return
        yield from _from_json(document, "certificate_bundle")
        return
    decoded = _base64(text)
    if decoded is not None:
        yield _named("certificate_bundle", decoded)
    elif _PEM in text:
        yield ("certificate.pem", text)


def _from_json(node: Any, key: str) -> Iterator[tuple[str, bytes]]:
    if isinstance(node, dict):
        for child_key, child in node.items():
            yield from _from_json(child, str(child_key))
    elif isinstance(node, list):
        for child in node:
            yield from _from_json(child, key)
    elif isinstance(node, str):
        raw = node.encode("utf-8", errors="replace")
        if _PEM in raw:
            yield (key if _FILE_NAME.match(key) else f"{key}.pem", raw)
        elif (decoded := _base64(raw)) is not None:
            yield (key, decoded) if _FILE_NAME.match(key) else _named(key, decoded)


def _base64(text: bytes) -> bytes | None:
    compact = re.sub(rb"\s+", b"", text)
    if len(compact) < MIN_BINARY:
        return None
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            decoded = decode(compact + b"=" * (-len(compact) % 4))
        except (binascii.Error, ValueError):
            continue
        if _is_material(decoded) or decoded.lstrip().startswith(_PEM):
            return decoded
    return None


def _is_material(data: bytes) -> bool:
    return len(data) >= MIN_BINARY and data.startswith((_GZIP, _ZIP, _DER, _PEM))


def _named(stem: str, data: bytes) -> tuple[str, bytes]:
    if data.startswith(_GZIP):
        return (f"{stem}.tar.gz", data)
    if data.startswith(_ZIP):
        return (f"{stem}.zip", data)
    if data.lstrip().startswith(_PEM):
        return (f"{stem}.pem", data)
    return (f"{stem}.der", data)
