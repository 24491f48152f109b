"""Bounded work for any input: a PEM scanner linear in its input with a cap on blocks, and the
key-derivation cost a PKCS#12 file or an encrypted key asks for, read from its ASN.1 before any
password is tried.

    for label, block in pem_blocks(path, data): ...     # BundleError beyond MAX_PEM_BLOCKS
    check_kdf_cost(path, der)                            # BundleError beyond MAX_ITERATIONS
    check_sealed_kdf_cost(path, der, password)           # the same inside encrypted contents

Iteration counts real tools write: OpenSSL 2048 (PKCS12_DEFAULT_ITER, MAC and PBKDF2), Windows
2000 (10000 for AES exports), Java keytool 10000, macOS 2048; the highest published
recommendation is OWASP's 600,000 for PBKDF2-HMAC-SHA256. MAX_ITERATIONS = 1,000,000 leaves
room above all of them while keeping the worst case (three candidate passwords, each deriving
a key and a MAC key) to seconds instead of the hours 2^31-1 would take.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from clustertrust.core.bundle.der import tlv
from clustertrust.core.errors import BundleError
from clustertrust.core.i18n import tr

MAX_PEM_BLOCKS = 1000  # a full system CA bundle holds about 150 certificates
MAX_ITERATIONS = 1_000_000
MAX_SCRYPT_N = 1 << 20  # 1 GiB of memory at r=8; OpenSSL's own default is 2^14
MAX_DEPTH = 32

_BEGIN = b"-----BEGIN "
_END = b"-----END "
_HEADER = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")
_HEADER_MAX = 11 + 64 + 5 + 2

SEQUENCE, OCTET_STRING, INTEGER, OID = 0x30, 0x04, 0x02, 0x06
_DATA_OID = bytes.fromhex("2a864886f70d010701")  # 1.2.840.113549.1.7.1, PKCS#7 data


def pem_blocks(path: str, data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(label, block) for each well-formed block, in one pass: every search starts where the
    last one stopped, so hostile input (BEGIN lines without END) costs linear time."""
    pos, end, count = 0, -1, 0
    while (begin := data.find(_BEGIN, pos)) != -1:
        line_end = data.find(b"\n", begin, begin + _HEADER_MAX)
        header = _HEADER.fullmatch(data[begin:line_end].rstrip(b"\r")) if line_end > 0 else None
        if end < begin:
            end = data.find(_END, begin)
            if end == -1:
                return  # no END after here: no later block can be complete either
        later = data.find(_BEGIN, begin + len(_BEGIN), end)
        if header is None or later != -1:  # a broken header, or a BEGIN inside the body
            pos = later if later != -1 else begin + len(_BEGIN)
            continue
        footer = _END + header.group(1) + b"-----"
        pos = end + len(_END)
        if data.startswith(footer, end):
            count += 1
            if count > MAX_PEM_BLOCKS:
                raise _refused(
                    path, tr("more than {count} PEM blocks").format(count=MAX_PEM_BLOCKS)
                )
            pos = end + len(footer)
            yield header.group(1), data[begin:pos]


def check_kdf_cost(path: str, der: bytes) -> None:
    """Refuse a PKCS#12 file or an encrypted key whose MAC, PBE, PBKDF2 or scrypt parameters ask
    for more work than any real tool writes, before a single key is derived."""
    for params in _parameter_sets(der, 0):
        _check_params(path, params)


def check_sealed_kdf_cost(path: str, der: bytes, password: str) -> None:
    """The same for what a PKCS#12 keeps encrypted (a key bag can hide in an encrypted
    SafeContents, where OpenSSL would meet its iteration count only once deriving it): each part
    is decrypted with `password` first, at the cost check_kdf_cost already allowed."""
    from clustertrust.core.bundle.identity_p12 import unseal  # only for a PKCS#12

    for algorithm, sealed in _sealed_parts(der):
        plain = unseal(algorithm, sealed, password)
        if plain is not None:
            check_kdf_cost(path, plain)


def _sealed_parts(der: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(AlgorithmIdentifier DER, ciphertext) of each EncryptedContentInfo of type data."""
    nodes, _ = _parse(der, 0, len(der), 0, inside_indefinite=False)
    stack = list(nodes)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        kids = node.children
        if node.tag != SEQUENCE or len(kids) != 3 or kids[0].tag != OID or kids[1].tag != SEQUENCE:
            continue
        if kids[0].body != _DATA_OID or kids[2].tag not in (0x80, 0xA0):
            continue
        sealed = kids[2].body or b"".join(c.body for c in kids[2].children)
        yield _encoded(kids[1]), sealed


def _encoded(node: _Node) -> bytes:
    """The node as DER again (definite lengths)."""
    if node.tag & 0x20:
        return tlv(node.tag, b"".join(_encoded(c) for c in node.children))
    return tlv(node.tag, node.body)


def _check_params(path: str, params: list[tuple[int, bytes]]) -> None:
    tags = [tag for tag, _ in params]
    if tags[:2] == [OCTET_STRING, INTEGER]:  # PBE and PBKDF2 params: salt, iterations, ...
        if tags[1:4] == [INTEGER] * 3:  # scrypt: salt, N, r, p
            _limit(path, "scrypt cost N", _int(params[1][1]), MAX_SCRYPT_N)
            _limit(path, "scrypt block size r", _int(params[2][1]), 64)
            _limit(path, "scrypt parallelisation p", _int(params[3][1]), 16)
        else:
            _limit(path, "key-derivation iteration count", _int(params[1][1]), MAX_ITERATIONS)
    elif tags[:3] == [SEQUENCE, OCTET_STRING, INTEGER]:  # MacData: digest, salt, iterations
        _limit(path, "MAC iteration count", _int(params[2][1]), MAX_ITERATIONS)


def _limit(path: str, what: str, value: int, most: int) -> None:
    if value > most:
        why = tr("a {what} of {value} (real tools write at most {most})")
        raise _refused(path, why.format(what=what, value=f"{value:,}", most=f"{most:,}"))


def _refused(path: str, why: str) -> BundleError:
    return BundleError(
        tr(
            "{path} was refused: it asks for {why}, which would keep this computer busy for a "
            "very long time; no password was tried."
        ).format(path=path, why=why),
        tr("Ask the cluster's administrator for a bundle exported with standard settings."),
    )


def _int(body: bytes) -> int:
    return int.from_bytes(body, "big", signed=True) if body else 0


class _Node(NamedTuple):
    tag: int
    body: bytes  # a primitive's content; b"" for a constructed value
    children: list[_Node]


def _parameter_sets(der: bytes, depth: int) -> Iterator[list[tuple[int, bytes]]]:
    """Every SEQUENCE's children as (tag, content), in a tree built in one pass."""
    nodes, _ = _parse(der, 0, len(der), depth, inside_indefinite=False)
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.tag == SEQUENCE:
            yield [(c.tag, c.body) for c in node.children]
        stack.extend(node.children)


def _parse(
    data: bytes, pos: int, end: int, depth: int, inside_indefinite: bool
) -> tuple[list[_Node], int]:
    """TLVs from `pos` to `end` (or to the end-of-contents of an indefinite-length parent).
    Malformed input ends the walk of its branch: the real parser reports it afterwards."""
    nodes: list[_Node] = []
    while pos + 2 <= end:
        tag = data[pos]
        if tag == 0 and data[pos + 1] == 0 and inside_indefinite:
            return nodes, pos + 2
        parsed = _length(data, pos + 1, end)
        if parsed is None or depth > MAX_DEPTH:
            return nodes, end
        length, start = parsed
        node, pos = _value(data, tag, start, length, end, depth)
        nodes.append(node)
    return nodes, end


def _value(
    data: bytes, tag: int, start: int, length: int, end: int, depth: int
) -> tuple[_Node, int]:
    if length < 0:  # BER indefinite length (some Java and NSS exports)
        children, after = _parse(data, start, end, depth + 1, inside_indefinite=True)
        return _octets_node(tag, children), after
    stop = start + length
    if tag & 0x20:  # constructed: SEQUENCE, SET, [n] EXPLICIT, BER OCTET STRING
        children, _ = _parse(data, start, stop, depth + 1, inside_indefinite=False)
        return _octets_node(tag, children), stop
    body = data[start:stop]
    if tag == OCTET_STRING and body[:1] == bytes([SEQUENCE]):  # PKCS#12 wraps DER this way
        children, _ = _parse(body, 0, len(body), depth + 1, inside_indefinite=False)
        return _Node(tag, body, children), stop
    return _Node(tag, body, []), stop


def _octets_node(tag: int, children: list[_Node]) -> _Node:
    """A BER constructed OCTET STRING is its pieces joined, then read like a DER one."""
    if tag != 0x24:
        return _Node(tag, b"", children)
    body = b"".join(c.body for c in children if c.tag == OCTET_STRING)
    inner, _ = _parse(body, 0, len(body), MAX_DEPTH // 2, inside_indefinite=False)
    return _Node(OCTET_STRING, body, inner)


def _length(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """(length, where the content starts); length -1 for indefinite; None when malformed."""
    if pos >= end:
        return None
    first = data[pos]
    if first < 0x80:
        length, start = first, pos + 1
    elif first == 0x80:
        return -1, pos + 1
    else:
        count = first & 0x7F
        if count > 4 or pos + 1 + count > end:
            return None
        length, start = int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count
    return (length, start) if start + length <= end else None
