"""Which OSStatus a failed security(1) command reported, without reading its words.

security(1) prints a failure as `Function: <message>`, the message being cssmErrorString(status),
which macOS looks up through CFCopyLocalizedString (trusted_cert_add.c: cssmPerror), and exits 1
whatever the status. The number itself is not printed. `security error N` prints
`Error: 0x%08X %d %s` with the same cssmErrorString(N) in the same language
(display_error_code.c), so asking it for the few statuses we act on gives their messages as this
Mac words them, and the failure is recognised by exact equality with one of those. No English
text is compared; a message that matches none of them stays an unrecognised error.

One status means two things: errSecAuthFailed (-25293) is a refused authorization for a trust
setting, but for `import` it is also the PKCS#12 passphrase being wrong (keychain_import.c retries
on it as on errSecPkcs12VerifyFailure; macOS 15's SecPKCS12Import maps p12_passwordErr to it).
An import that ends in either is an error (exit 1), never "you refused" (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from clustertrust.core.errors import Cancelled, OperationFailed
from clustertrust.core.i18n import tr
from clustertrust.platform.outcomes import NeedsDesktop
from clustertrust.platform.runner import CommandError, CommandResult, Runner

SECURITY = "/usr/bin/security"
CANCELLED = (-60006, -128)  # errAuthorizationCanceled; userCanceledErr (errSecUserCanceled)
DENIED = (-60005, -25293)  # errAuthorizationDenied; errSecAuthFailed
# errAuthorizationInteractionNotAllowed; errSecInteractionNotAllowed: no GUI session
NO_INTERACTION = (-60007, -25308)
# errSecAuthFailed; errSecPkcs12VerifyFailure: the PKCS#12 was not accepted (for `import`)
P12_REJECTED = (-25293, -25264)
KNOWN = (*CANCELLED, *DENIED, *NO_INTERACTION, -25264)
LINE = re.compile(r"0x[0-9A-Fa-f]{8} (-?\d+) (.+)$")


def messages(runner: Runner, codes: Iterable[int] = KNOWN) -> dict[str, int]:
    """This Mac's message for each status; `security error` exits 1 even when it succeeds."""
    result = runner.run((SECURITY, "error", *(str(c) for c in codes)), check=False)
    found = {}
    for line in result.stdout.splitlines():
        match = LINE.search(line.strip())
        if match and match.group(2).strip():
            found[match.group(2).strip()] = int(match.group(1))
    return found


def status_of(result: CommandResult, known: dict[str, int]) -> int | None:
    """The status whose message ends one of the failure's lines (`Function: message`)."""
    for line in result.output.splitlines():
        line = line.strip()
        for message, code in sorted(known.items(), key=lambda item: -len(item[0])):
            if line == message or line.endswith(": " + message):
                return code
    return None


def failure(
    result: CommandResult, status: int | None, what: str, importing: bool = False
) -> Exception:
    """The outcome a person acts on: cancelled or refused (exit 3), no GUI session, a PKCS#12
    that macOS did not accept (`importing`), or an error."""
    if importing and status in P12_REJECTED:
        return OperationFailed(
            tr(
                "macOS did not accept the PKCS#12 file ClusterTrust made (OSStatus {status}: its "
                "passphrase or integrity check failed, or the keychain could not be unlocked), so "
                "ClusterTrust did not {what}; nothing was changed."
            ).format(status=status, what=what),
            tr(
                "Unlock the login keychain in Keychain Access and run it again; if it fails "
                "again, send `clustertrust report` to your helpdesk."
            ),
        )
    if status in CANCELLED or status in DENIED:
        return Cancelled(
            tr(
                "macOS asked for authorization and it was cancelled or refused, so ClusterTrust "
                "did not {what}."
            ).format(what=what),
            tr("Run it again and enter your password when macOS asks."),
        )
    if status in NO_INTERACTION:
        return NeedsDesktop(
            tr(
                "macOS must ask for your password to {what}, and no user interaction is possible "
                "in this session (ssh, or nobody at the screen); nothing was changed."
            ).format(what=what),
            tr("Run ClusterTrust from a logged-in desktop session on this Mac."),
        )
    return CommandError(result.argv, result.returncode, result.output)
