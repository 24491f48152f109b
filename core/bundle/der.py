"""The little DER this package writes and reads itself: enough for PKCS#8 and PKCS#12, where
cryptography offers no way to keep key bytes as they are."""

from __future__ import annotations

SEQUENCE, SET, INTEGER, OCTET_STRING, OID, NULL = 0x30, 0x31, 0x02, 0x04, 0x06, 0x05
BMP_STRING = 0x1E


def explicit(number: int, value: bytes) -> bytes:
    """A context-specific constructed [number] EXPLICIT wrapper."""
    return tlv(0xA0 | number, value)


def read(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at `at`."""
    if at + 2 > len(data):
        raise ValueError("truncated DER")
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        start, length = at + 2, first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or at + 2 + count > len(data):
            raise ValueError("bad DER length")
        start, length = at + 2 + count, int.from_bytes(data[at + 2 : at + 2 + count], "big")
    if start + length > len(data):
        raise ValueError("truncated DER")
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
