"""The little ASN.1 this package writes and reads itself: enough for PKCS#8 and PKCS#12, where
cryptography offers no way to keep key bytes as they are, and for the checks that run before
cryptography's own parser sees a file.

    tag, start, end = read(data, at)        # one DER element; ValueError when malformed
    children(der), oid_of(algorithm)         # a SEQUENCE's elements, an AlgorithmIdentifier's OID
    for node in walk_ber(data): ...          # BER as well (indefinite lengths, constructed
                                             # OCTET STRINGs), as a tree at most MAX_DEPTH deep
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

SEQUENCE, SET, INTEGER, OCTET_STRING, OID, NULL = 0x30, 0x31, 0x02, 0x04, 0x06, 0x05
BMP_STRING = 0x1E
CONSTRUCTED = 0x20
MAX_DEPTH = 32  # how deep a BER walk goes; a PKCS#12 file nests about a dozen levels


def explicit(number: int, value: bytes) -> bytes:
    """A context-specific constructed [number] EXPLICIT wrapper."""
    return tlv(0xA0 | number, value)


def read(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at `at`."""
    header = _header(data, at, len(data))
    if header is None or header[1] < 0:
        raise ValueError("truncated DER or a length DER does not allow")
    tag, length, start = header
    return tag, start, start + length


def children(der: bytes) -> list[bytes]:
    """The encoded elements inside the outer SEQUENCE, which must span all of `der`."""
    tag, start, end = read(der, 0)
    if tag != SEQUENCE or end != len(der):
        raise ValueError("not one DER SEQUENCE")
    out, at = [], start
    while at < end:
        _, _, stop = read(der, at)
        out.append(der[at:stop])
        at = stop
    return out


def oid_of(algorithm: bytes) -> str:
    """The OID inside an AlgorithmIdentifier."""
    inner = children(algorithm)[0]
    tag, start, end = read(inner, 0)
    return decode_oid(inner[start:end]) if tag == OID else ""


def decode_oid(body: bytes) -> str:
    arcs, value = [], 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs:
        return ""
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def encode_oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        while arc > 0x7F:
            arc >>= 7
            chunk.append(0x80 | (arc & 0x7F))
        out += bytes(reversed(chunk))
    return bytes(out)


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def integer(value: int) -> bytes:
    return tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def algorithm(oid: str, parameters: bytes) -> bytes:
    return tlv(SEQUENCE, tlv(OID, encode_oid(oid)) + parameters)


class Node(NamedTuple):
    """An element as walk_ber read it."""

    tag: int
    body: bytes  # a primitive's content (a constructed OCTET STRING's pieces joined); else b""
    children: list[Node]  # the elements inside; for an OCTET STRING, those of the DER it wraps


def walk_ber(data: bytes) -> Iterator[Node]:
    """Every element of `data` and of what it holds, depth first, in a tree built in one pass.
    Malformed input ends the walk of its branch instead of raising: for checks that run before
    the real parser, which reports it afterwards."""
    stack = _elements(data, 0, len(data), 0, indefinite=False)[0]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def to_der(node: Node) -> bytes:
    """The node encoded again as DER (definite lengths)."""
    if node.tag & CONSTRUCTED:
        return tlv(node.tag, b"".join(to_der(c) for c in node.children))
    return tlv(node.tag, node.body)


def _elements(
    data: bytes, at: int, end: int, depth: int, indefinite: bool
) -> tuple[list[Node], int]:
    """The elements from `at` to `end`, or to the end-of-contents of an indefinite-length parent;
    and where they stopped."""
    nodes: list[Node] = []
    while at + 2 <= end:
        if indefinite and data[at] == 0 and data[at + 1] == 0:
            return nodes, at + 2
        header = _header(data, at, end)
        if header is None or depth > MAX_DEPTH:
            return nodes, end
        node, at = _element(data, *header, end, depth)
        nodes.append(node)
    return nodes, end


def _element(
    data: bytes, tag: int, length: int, start: int, end: int, depth: int
) -> tuple[Node, int]:
    if length < 0:  # BER indefinite length (some Java and NSS exports)
        children, after = _elements(data, start, end, depth + 1, indefinite=True)
        return _constructed(tag, children), after
    stop = start + length
    if tag & CONSTRUCTED:  # SEQUENCE, SET, [n] EXPLICIT, BER OCTET STRING
        children, _ = _elements(data, start, stop, depth + 1, indefinite=False)
        return _constructed(tag, children), stop
    body = data[start:stop]
    if tag == OCTET_STRING and body[:1] == bytes([SEQUENCE]):  # PKCS#12 wraps DER this way
        return Node(tag, body, _elements(body, 0, len(body), depth + 1, False)[0]), stop
    return Node(tag, body, []), stop


def _constructed(tag: int, children: list[Node]) -> Node:
    """A BER constructed OCTET STRING is its pieces joined, then read like a DER one; that join
    starts half-way down, so pieces within pieces are joined a bounded number of times."""
    if tag != OCTET_STRING | CONSTRUCTED:
        return Node(tag, b"", children)
    body = b"".join(c.body for c in children if c.tag == OCTET_STRING)
    return Node(OCTET_STRING, body, _elements(body, 0, len(body), MAX_DEPTH // 2, False)[0])


def _header(data: bytes, at: int, end: int) -> tuple[int, int, int] | None:
    """(tag, length, start of value) of the element at `at`, the length -1 for BER's indefinite
    one; None when it is malformed or does not fit before `end`."""
    if at + 2 > end:
        return None
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        length, start = first, at + 2
    elif first == 0x80:
        return tag, -1, at + 2
    else:
        count = first & 0x7F
        if count > 4 or at + 2 + count > end:
            return None
        length, start = int.from_bytes(data[at + 2 : at + 2 + count], "big"), at + 2 + count
    return (tag, length, start) if start + length <= end else None
