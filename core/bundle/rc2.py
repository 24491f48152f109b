"""RC2-CBC decryption (RFC 2268) with any effective key size: the 40-bit variant that older
OpenSSL and Windows exports use for a PKCS#12's encrypted contents, which cryptography cannot
decrypt (its RC2 takes 128-bit keys only). Only ever used to look inside such contents for the
key-derivation cost of what they hold (core.bundle.bounded), never to read a key."""

from __future__ import annotations

import struct

# PITABLE, RFC 2268 section 2: a permutation of 0..255 derived from the digits of pi
_PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
_SHIFTS = (1, 2, 3, 5)


def expand_key(key: bytes, effective_bits: int) -> list[int]:
    """The 64 16-bit subkeys K[0..63] (RFC 2268 section 2)."""
    t, t8 = len(key), (effective_bits + 7) // 8
    tm = 255 % (1 << (8 + effective_bits - 8 * t8))
    table = bytearray(128)
    table[:t] = key
    for i in range(t, 128):
        table[i] = _PITABLE[(table[i - 1] + table[i - t]) & 255]
    table[128 - t8] = _PITABLE[table[128 - t8] & tm]
    for i in range(127 - t8, -1, -1):
        table[i] = _PITABLE[table[i + 1] ^ table[i + t8]]
    return [table[2 * i] | table[2 * i + 1] << 8 for i in range(64)]


def decrypt_block(subkeys: list[int], block: bytes) -> bytes:
    """RFC 2268 section 4: five r-mixing rounds, r-mash, six, r-mash, five."""
    words = list(struct.unpack("<4H", block))
    j = 63
    for rounds in (5, 1, 6, 1, 5):
        for _ in range(rounds):
            if rounds == 1:
                for i in (3, 2, 1, 0):
                    words[i] = (words[i] - subkeys[words[i - 1] & 63]) & 0xFFFF
                continue
            for i in (3, 2, 1, 0):
                w = words[i]
                w = ((w >> _SHIFTS[i]) | (w << (16 - _SHIFTS[i]))) & 0xFFFF
                mixed = (words[i - 1] & words[i - 2]) + (~words[i - 1] & words[i - 3])
                words[i] = (w - subkeys[j] - mixed) & 0xFFFF
                j -= 1
    return struct.pack("<4H", *words)


def decrypt_cbc(key: bytes, effective_bits: int, iv: bytes, data: bytes) -> bytes:
    """CBC decryption without removing the padding; ValueError for a partial block."""
    if len(data) % 8 or len(iv) != 8:
        raise ValueError("RC2-CBC data is not a whole number of 8-byte blocks")
    subkeys = expand_key(key, effective_bits)
    out, previous = bytearray(), iv
    for at in range(0, len(data), 8):
        block = data[at : at + 8]
        plain = decrypt_block(subkeys, block)
        out += bytes(a ^ b for a, b in zip(plain, previous, strict=True))
        previous = block
    return bytes(out)
