"""Certificates and keys inside JSON and YAML documents: Vault's pki/issue answer, cfssl's gencert
output, a cert-manager (kubernetes.io/tls) Secret, a kubeconfig's *-data fields.

    parts("vault.json", data)  # [("vault.json (data.certificate)", b"-----BEGIN ..."), ...]

Each string that holds PEM text, or base64 of PEM or DER, becomes a part named by its place in
the document; what each part is, the reader decides by content as for any file. The walk stops
after MAX_VALUES values, and the parts never add up to more than the document, so YAML aliases
cannot make the work long or the memory large.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

MAX_VALUES = 10_000
_YAML_KEY = re.compile(r"[A-Za-z_][\w.-]*:(\s|$)")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{64,}={0,2}")


def parts(path: str, data: bytes) -> list[tuple[str, bytes]]:
    document = _parse(data)
    if document is None:
        return []
    found, seen, total = [], set(), 0
    for where, text in _strings(document):
        blob = _certificate_bytes(text) if text not in seen else None
        seen.add(text)
        if blob is None:
            continue
        total += len(blob)
        if total > len(data):  # only aliases repeat a string: a document holds its parts
            break
        found.append((f"{path} ({where})", blob))
    return found


def _parse(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if text.lstrip()[:1] in ("{", "["):
        import json  # only for a JSON document: most bundles hold none

        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            return None
    if not _looks_like_yaml(text):
        return None
    import yaml  # only for a YAML document: most bundles hold none

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # a safe loader: plain data only
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def _looks_like_yaml(text: str) -> bool:
    """A mapping at the top: the first line that is not a comment or `---` is `key: ...`."""
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", "---")):
            return _YAML_KEY.match(line) is not None
    return False


def _strings(document: Any) -> Iterator[tuple[str, str]]:
    """(place, text) of each string in the document, in document order."""
    stack: list[tuple[str, Any]] = [("", document)]
    seen = 0
    while stack and seen < MAX_VALUES:
        where, value = stack.pop()
        seen += 1
        if isinstance(value, str):
            yield where, value
        elif isinstance(value, dict):
            items = [(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]
            stack.extend(reversed(items))
        elif isinstance(value, list):
            stack.extend(reversed([(f"{where}[{i}]", v) for i, v in enumerate(value)]))


def _certificate_bytes(text: str) -> bytes | None:
    if "-----BEGIN " in text:
        return text.encode()
    compact = "".join(text.split())
    if not _BASE64.fullmatch(compact):
        return None
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded.startswith((b"-----BEGIN ", b"\x30")) else None
