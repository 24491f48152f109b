"""Whether macOS trusts a CA for SSL, read from the trust settings as data, not from messages.

`security trust-settings-export [-d] FILE` writes the user (or, with -d, the admin) trust
settings as a plist: `trustList` maps each certificate's SHA-1 (40 hex digits) to a dict whose
`trustSettings` is an array of usage constraints (SecTrustSettings.h; mkcert reads and writes the
same plist in truststore_darwin.go). An empty array means "trusted as a root for everything".
Each constraint may name a policy (`kSecTrustSettingsPolicy`, the policy OID as data), a host
(`kSecTrustSettingsPolicyString`, what `add-trusted-cert -s HOST` sets) and a result
(`kSecTrustSettingsResult`; absent means TrustRoot). The first constraint that applies decides.
Unlike `verify-cert` without `-n HOST`, this sees a trust setting restricted to one host.
"""

from __future__ import annotations

import plistlib
from typing import Any

SSL_POLICY_OID = bytes.fromhex("2a864886f763640103")  # 1.2.840.113635.100.1.3 (KoZIhvdjZAED)
TRUST_ROOT, TRUST_AS_ROOT, DENY, UNSPECIFIED = 1, 2, 3, 4


def constraints(plist: bytes, sha1: str) -> list[dict[str, Any]] | None:
    """The certificate's usage constraints, or None when the domain has no setting for it."""
    try:
        document = plistlib.loads(plist)
    except (plistlib.InvalidFileException, ValueError):
        return None
    trust_list = document.get("trustList", {}) if isinstance(document, dict) else {}
    for key, entry in trust_list.items():
        if isinstance(key, str) and key.upper() == sha1.upper() and isinstance(entry, dict):
            settings = entry.get("trustSettings", [])
            return [s for s in settings if isinstance(s, dict)]
    return None


def trusted_for_ssl(settings: list[dict[str, Any]] | None, host: str = "") -> bool:
    """Trusted as a root for SSL; with `host`, a setting restricted to that host also counts."""
    if settings is None:
        return False
    if not settings:
        return True
    for constraint in settings:
        if not _applies(constraint, host):
            continue
        result = constraint.get("kSecTrustSettingsResult", TRUST_ROOT)
        if result != UNSPECIFIED:
            return result in (TRUST_ROOT, TRUST_AS_ROOT)
    return False


def _applies(constraint: dict[str, Any], host: str) -> bool:
    policy = constraint.get("kSecTrustSettingsPolicy")
    restricted_to = constraint.get("kSecTrustSettingsPolicyString")
    if policy is not None and policy != SSL_POLICY_OID:
        return False
    return restricted_to is None or (bool(host) and restricted_to.lower() == host.lower())
