"""One error type per outcome the user must act on; the CLI maps each to its exit code."""

from clustertrust.core.remedy import Remedy, for_terminal


class ClusterTrustError(Exception):
    """An error with a message a person can act on: what is wrong, and what to do."""

    exit_code = 1

    def __init__(self, message: str, fix: str = "", remedies: tuple[Remedy, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix  # the words; `remedies` are the actions each front end names its own way
        self.remedies = remedies

    @property
    def terminal_fix(self) -> str:
        return for_terminal(self.fix, self.remedies)

    def __str__(self) -> str:
        return f"{self.message} {self.terminal_fix}".strip()


class InputError(ClusterTrustError):
    """Bad input or usage: nothing was changed (exit 2)."""

    exit_code = 2


class OperationFailed(ClusterTrustError):
    """The operation ran and failed; anything done was rolled back (exit 1)."""

    exit_code = 1


class Cancelled(ClusterTrustError):
    """The user cancelled, or refused an authorization prompt (exit 3)."""

    exit_code = 3


class SourceError(InputError):
    """The bundle's bytes could not be fetched or read from where they were said to be."""


class BundleError(InputError):
    """The bytes are not a usable certificate bundle (unsafe, unreadable, wrong password)."""


class PasswordNeeded(BundleError):
    """A PKCS#12 file or private key needs a password that was not given, or did not open it."""


class CommandError(Exception):
    """An external command (platform.runner) failed to start, timed out or exited non-zero; argv
    and output are redacted. Core catches it from store steps, so it is defined here."""

    def __init__(
        self,
        argv: tuple[str, ...],
        returncode: int | None,
        output: str,
        reason: str = "exited with an error",
    ) -> None:
        super().__init__(argv, returncode, output, reason)
        self.argv = argv
        self.returncode = returncode
        self.output = output
        self.reason = reason

    def __str__(self) -> str:
        code = "" if self.returncode is None else f" (exit {self.returncode})"
        tail = f": {self.output.strip()[-500:]}" if self.output.strip() else ""
        return f"`{' '.join(self.argv)}` {self.reason}{code}{tail}"
