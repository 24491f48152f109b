"""What the front ends read off a certificate: its name, fingerprint, whether it is a CA, PEM."""

from __future__ import annotations

from clustertrust.core.certinfo import common_name, is_ca, sha256, to_pem

__all__ = ["common_name", "is_ca", "sha256", "to_pem"]
