"""How pkexec or sudo start the privileged helper: `python -I <this file> privileged VERB --name N`
(the frozen app: `<binary> privileged VERB --name N`, which packaging/entry_cli.py sends here).

It sets the hook before anything of ours is imported, so whatever fails from then on (a package
root cannot import, such as a `pip install --user` copy under -I; a broken dependency; a crash)
exits HELPER_FAILED and never 1, which is sudo's own failure and so means "refused" to the caller
(platform/elevation.py, refused). Nothing here but the standard library before the hook. The
helper itself writes no log and cleans nothing in the caller's folders: it is not cli.main.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from types import TracebackType

HELPER_FAILED = 70  # elevation.HELPER_FAILED (EX_SOFTWARE); tests keep the two equal


def crashed(
    kind: type[BaseException], error: BaseException, traceback: TracebackType | None
) -> None:
    print(f"clustertrust privileged: cannot run: {error!r}", file=sys.stderr, flush=True)
    os._exit(HELPER_FAILED)  # Python's own exit status for an uncaught exception would be 1


def start(argv: Sequence[str]) -> int:
    """0 done, 2 bad input (nothing changed), HELPER_FAILED anything else."""
    sys.excepthook = crashed
    try:
        from clustertrust.cli.privileged_cmd import main

        code = main(argv)
    except SystemExit as stop:  # argparse's usage error, or a library that exits
        code = stop.code
    return code if code in (0, 2) else HELPER_FAILED


if __name__ == "__main__":
    sys.exit(start(sys.argv[2:]))  # argv[1] is the word `privileged`, for the reader
