"""One-time passwords for the throwaway PKCS#12 files that certutil and security(1) read.

Both tools take the password only on their command line (`certutil -p`, `security import -P`).
Letters and digits only: it can never start with '-' and be read as an option, nor need quoting.
"""

from __future__ import annotations

import secrets
import string

ALPHABET = string.ascii_letters + string.digits
LENGTH = 32  # about 190 bits


def one_time_password(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
