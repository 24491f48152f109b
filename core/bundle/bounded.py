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

from clustertrust.core.bundle.der import INTEGER, OCTET_STRING, OID, SEQUENCE, to_der, walk_ber
from clustertrust.core.errors import BundleError
from clustertrust.core.i18n import tr

MAX_PEM_BLOCKS = 1000  # a full system CA bundle holds about 150 certificates
MAX_ITERATIONS = 1_000_000
MAX_SCRYPT_N = 1 << 20  # 1 GiB of memory at r=8; OpenSSL's own default is 2^14

_BEGIN = b"-----BEGIN "
_END = b"-----END "
_HEADER = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----")
_HEADER_MAX = 11 + 64 + 5 + 2

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
    for node in walk_ber(der):
        if node.tag == SEQUENCE:  # each SEQUENCE's children, as (tag, content)
            _check_params(path, [(c.tag, c.body) for c in node.children])


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
    for node in walk_ber(der):
        kids = node.children
        if node.tag != SEQUENCE or len(kids) != 3 or kids[0].tag != OID or kids[1].tag != SEQUENCE:
            continue
        if kids[0].body != _DATA_OID or kids[2].tag not in (0x80, 0xA0):
            continue
        sealed = kids[2].body or b"".join(c.body for c in kids[2].children)
        yield to_der(kids[1]), sealed


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
