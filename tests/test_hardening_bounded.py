"""Tiny inputs that ask for unbounded work are refused in seconds, exit 2, before any key is
derived: a PKCS#12 whose MAC or PBKDF2 asks for 2^31-1 iterations, an encrypted key asking the
same, a PEM of unterminated BEGIN lines, a PEM with too many blocks. Times go in the messages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from clustertrust.core.bundle.bounded import (
    MAX_ITERATIONS,
    MAX_PEM_BLOCKS,
    check_kdf_cost,
    pem_blocks,
)
from clustertrust.core.bundle.der import MAX_DEPTH, walk_ber
from support import pki
from support.cli_runs import cli

HUGE = 2**31 - 1


def tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def parse(data: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(data):
        tag, first = data[pos], data[pos + 1]
        if first < 0x80:
            length, start = first, pos + 2
        else:
            count = first & 0x7F
            length = int.from_bytes(data[pos + 2 : pos + 2 + count], "big")
            start = pos + 2 + count
        out.append((tag, data[start : start + length]))
        pos = start + length
    return out


def reencode(data: bytes, old: int, new: int) -> bytes:
    """`data` (DER) with every INTEGER equal to `old` set to `new`, lengths fixed up; walks
    into SEQUENCEs, [n] wrappers and OCTET STRINGs that hold DER, as PKCS#12 nests them."""
    out = b""
    for tag, body in parse(data):
        if tag == 0x02 and int.from_bytes(body, "big") == old:
            body = new.to_bytes((new.bit_length() + 8) // 8, "big")
        elif tag & 0x20 or (tag == 0x04 and body[:1] == b"\x30" and _is_der(body)):
            body = reencode(body, old, new)
        out += tlv(tag, body)
    return out


def ber(data: bytes) -> bytes:
    """`data` (DER) as BER the way some Java and NSS exports write it: every constructed element
    with an indefinite length, and each OCTET STRING that holds DER split into a constructed one
    of two pieces (their bytes unchanged, so the PKCS#12 MAC still matches)."""
    out = b""
    for tag, body in parse(data):
        if tag & 0x20:
            out += bytes([tag, 0x80]) + ber(body) + b"\0\0"
        elif tag == 0x04 and body[:1] == b"\x30" and _is_der(body):
            half = len(body) // 2
            out += b"\x24\x80" + tlv(0x04, body[:half]) + tlv(0x04, body[half:]) + b"\0\0"
        else:
            out += tlv(tag, body)
    return out


def _is_der(body: bytes) -> bool:
    try:
        return sum(len(tlv(t, b)) for t, b in parse(body)) == len(body)
    except IndexError:
        return False


def refused(home: Path, path: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    result = cli(home, "inspect", str(path), "--password", "wrong")
    return result.code, result.err, time.monotonic() - started


@pytest.fixture(scope="module")
def identity() -> tuple[pki.Issued, pki.Issued]:
    ca = pki.make_ca("bounded CA", "p256")
    return ca, pki.make_leaf(ca, "bounded client", "p256")


@pytest.mark.parametrize("legacy", [False, True], ids=["aes-pbkdf2", "legacy-3des"])
def test_a_p12_asking_for_2_31_iterations_is_refused_in_seconds(
    legacy: bool, identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    ca, client = identity
    good = pki.p12_bytes(client, [ca], legacy=legacy)  # 2048 iterations everywhere
    hostile = tmp_path / "bundle.p12"
    hostile.write_bytes(reencode(good, 2048, HUGE))
    assert len(hostile.read_bytes()) < 4096
    code, err, seconds = refused(tmp_path, hostile)
    assert code == 2, f"exit {code} after {seconds:.1f} s: {err}"
    assert f"{HUGE:,}" in err, f"after {seconds:.1f} s: {err}"
    print(f"p12 ({'legacy' if legacy else 'aes'}) refused in {seconds:.1f} s: {err.strip()}")


def test_a_p12_with_many_but_real_iterations_still_opens(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    ca, client = identity
    encryption = PrivateFormat.PKCS12.encryption_builder().kdf_rounds(200_000).build(b"kurrent")
    data = pkcs12.serialize_key_and_certificates(
        b"client", client.key, client.cert, [ca.cert], encryption
    )
    path = tmp_path / "bundle.p12"
    path.write_bytes(data)
    result = cli(tmp_path, "inspect", str(path), "--json")
    assert result.code == 0, result.err
    assert MAX_ITERATIONS >= 600_000  # OWASP's PBKDF2-SHA256 recommendation still fits


def test_a_ber_p12_asking_for_2_31_iterations_is_refused_and_a_real_one_opens(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    ca, client = identity
    good = pki.p12_bytes(client, [ca], password=b"kurrent")
    (tmp_path / "real.p12").write_bytes(ber(good))
    inside = reencode(good, 20_000, HUGE)  # the key bag's PBKDF2 count, not the MAC's (2048)
    assert inside[-8:] == good[-8:]  # the MAC's count: unchanged, so only the split part asks
    (tmp_path / "hostile.p12").write_bytes(ber(inside))
    assert ber(good) != good and b"\x24\x80" in ber(good)
    opened = cli(tmp_path, "inspect", str(tmp_path / "real.p12"), "--json")
    assert opened.code == 0, opened.err
    code, err, seconds = refused(tmp_path, tmp_path / "hostile.p12")
    assert code == 2 and f"{HUGE:,}" in err, f"exit {code} after {seconds:.1f} s: {err}"


def test_a_nesting_bomb_is_walked_to_a_fixed_depth_in_linear_time() -> None:
    bomb = b"\x30\x80" * 200_000 + b"\0\0" * 200_000  # 800 KB of indefinite SEQUENCEs
    started = time.monotonic()
    walked = list(walk_ber(bomb))
    check_kdf_cost("bomb.p12", bomb)  # nothing to refuse, and no RecursionError
    assert len(walked) == MAX_DEPTH + 1  # levels 0 to MAX_DEPTH
    assert time.monotonic() - started < 5  # about 0.1 s here; a walk of every level takes hours


def test_an_encrypted_key_asking_for_2_31_iterations_is_refused(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    import base64

    ca, client = identity
    pem = client.key_pem(password=b"pw")
    body = b"".join(pem.splitlines()[1:-1])
    der = reencode(base64.b64decode(body), 2048, HUGE)
    lines = [base64.b64encode(der)[i : i + 64] for i in range(0, len(base64.b64encode(der)), 64)]
    hostile = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + b"\n".join(lines)
    hostile += b"\n-----END ENCRYPTED PRIVATE KEY-----\n"
    folder = pki.write_files(
        tmp_path / "b", {"ca.crt": ca.cert_pem, "tls.crt": client.cert_pem, "tls.key": hostile}
    )
    code, err, seconds = refused(tmp_path, folder)
    assert code == 2 and f"{HUGE:,}" in err, f"exit {code} after {seconds:.1f} s: {err}"
    print(f"encrypted key refused in {seconds:.1f} s")


def test_unterminated_begin_lines_are_scanned_in_linear_time(tmp_path: Path) -> None:
    hostile = tmp_path / "ca.crt"
    hostile.write_bytes(b"-----BEGIN CERTIFICATE-----\n" * ((1 << 20) // 28))  # 1 MiB
    code, err, seconds = refused(tmp_path, hostile)
    assert code == 2, f"exit {code} after {seconds:.1f} s: {err}"
    print(f"1 MiB of BEGIN lines answered in {seconds:.1f} s (was 194 s): {err.strip()}")


def test_more_pem_blocks_than_the_cap_are_refused(
    identity: tuple[pki.Issued, pki.Issued], tmp_path: Path
) -> None:
    ca, _ = identity
    hostile = tmp_path / "ca.crt"
    hostile.write_bytes(ca.cert_pem * (MAX_PEM_BLOCKS + 1))
    code, err, seconds = refused(tmp_path, hostile)
    assert code == 2 and f"{MAX_PEM_BLOCKS}" in err, f"exit {code} after {seconds:.1f} s: {err}"
    print(f"{MAX_PEM_BLOCKS + 1} blocks refused in {seconds:.1f} s")


def test_the_scanner_still_finds_blocks_around_broken_ones() -> None:
    good = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    broken = b"-----BEGIN CERTIFICATE-----\nbroken\n"
    mismatched = b"-----BEGIN X-----\nB\n-----END Y-----\n"
    data = broken + good + mismatched + good.replace(b"\n", b"\r\n")
    labels = [label for label, _ in pem_blocks("x", data)]
    assert labels == [b"CERTIFICATE", b"CERTIFICATE"]
