"""The macOS readers that replace words with data: trust-settings plists and OSStatus messages.

The plists are SYNTHETIC: built with the keys of SecTrustSettings.h in the layout mkcert reads
and writes (truststore_darwin.go: `trustList` keyed by SHA-1, `trustSettings` arrays), because
no exported plist was recorded. The `security error` lines are SYNTHETIC too, in the format of
display_error_code.c with messages recorded in ../shared/os-tool-outputs.md.
"""

from __future__ import annotations

import plistlib

from clustertrust.platform import macstatus, mactrust
from clustertrust.platform.runner import CommandResult
from support.recording import RecordingRunner

SHA1 = "12ECCCE41034DB56EC978443531DB185327E70F5"
SSL = {
    "kSecTrustSettingsPolicy": mactrust.SSL_POLICY_OID,
    "kSecTrustSettingsPolicyName": "sslServer",
}
BASIC = {"kSecTrustSettingsPolicy": bytes.fromhex("2a864886f763640102")}  # basicX509


def plist(settings: object, key: str = SHA1) -> bytes:
    return plistlib.dumps({"trustList": {key: {"trustSettings": settings}}, "trustVersion": 1})


def test_an_entry_is_found_by_sha1_in_any_case() -> None:
    assert mactrust.constraints(plist([SSL]), SHA1.lower()) == [SSL]
    assert mactrust.constraints(plist([SSL], SHA1.lower()), SHA1) == [SSL]
    assert mactrust.constraints(plist([SSL]), "0" * 40) is None
    assert mactrust.constraints(b"not a plist", SHA1) is None


def test_what_counts_as_trusted_for_ssl() -> None:
    assert mactrust.trusted_for_ssl([])  # an empty array: trusted as a root for everything
    assert mactrust.trusted_for_ssl([SSL])  # no result key: TrustRoot
    assert mactrust.trusted_for_ssl([{**SSL, "kSecTrustSettingsResult": mactrust.TRUST_AS_ROOT}])
    assert not mactrust.trusted_for_ssl(None)
    assert not mactrust.trusted_for_ssl([{**SSL, "kSecTrustSettingsResult": mactrust.DENY}])
    assert not mactrust.trusted_for_ssl([BASIC])  # another policy only
    unspecified = {**SSL, "kSecTrustSettingsResult": mactrust.UNSPECIFIED}
    assert mactrust.trusted_for_ssl([unspecified, SSL])  # the first that decides wins


def test_a_host_restricted_setting_counts_only_for_that_host() -> None:
    restricted = [{**SSL, "kSecTrustSettingsPolicyString": "abc.example.cloud"}]
    assert mactrust.trusted_for_ssl(restricted, "abc.example.cloud")
    assert mactrust.trusted_for_ssl(restricted, "ABC.example.cloud")
    assert not mactrust.trusted_for_ssl(restricted)
    assert not mactrust.trusted_for_ssl(restricted, "other.example.cloud")


def test_statuses_are_recognised_by_this_macs_own_messages() -> None:
    runner = RecordingRunner().on(
        "error",
        returncode=1,  # display_error_code returns 1 even when it printed the messages
        stdout="Error: 0xFFFF159A -60006 The authorization was canceled by the user.\n"
        "Error: 0xFFFF1599 -60007 The authorization was denied since no user interaction "
        "was possible.\n",
    )
    known = macstatus.messages(runner)
    assert known == {
        "The authorization was canceled by the user.": -60006,
        "The authorization was denied since no user interaction was possible.": -60007,
    }
    failed = CommandResult(
        ("security",),
        1,
        "",
        # PeculiarVentures/fortify#475
        "SecTrustSettingsSetTrustSettings: The authorization was denied since no user "
        "interaction was possible.\n",
        0.0,
    )
    assert macstatus.status_of(failed, known) == -60007
    other = CommandResult(
        ("security",), 1, "", "SecTrustSettingsSetTrustSettings: errSecInternalComponent\n", 0.0
    )
    assert macstatus.status_of(other, known) is None
