"""certutil's exit code is the HRESULT of what failed: numbers survive translation, text does not.

`retcode 2147942487` is 0x80070057 (salt#61494); Python on Windows reports the unsigned value,
some callers the signed one, so codes are compared after masking to 32 bits.
"""

from __future__ import annotations

CANCELLED = 0x800704C7  # HRESULT_FROM_WIN32(ERROR_CANCELLED): answered No, or no dialog possible
ACCESS_DENIED = 0x80070005  # HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)
FILE_NOT_FOUND = 0x80070002  # HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND): no such store
CRYPT_NOT_FOUND = 0x80092004  # CRYPT_E_NOT_FOUND: no such certificate
GONE = (FILE_NOT_FOUND, CRYPT_NOT_FOUND)


def of(returncode: int) -> int:
    return returncode & 0xFFFFFFFF


def shown(returncode: int) -> str:
    return f"0x{of(returncode):08X}"
