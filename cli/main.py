"""Entry point: no arguments opens the wizard; subcommands serve scripts and helpdesk sessions."""

from __future__ import annotations

import contextlib
import gc
import signal
import sys
from collections.abc import Callable, Sequence
from types import FrameType

from clustertrust.core.errors import ClusterTrustError, CommandError, OperationFailed
from clustertrust.core.i18n import tr

from .output import escaped_output, report_error


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _start(argv)
    except ClusterTrustError as error:  # before a command ran, e.g. a refused log folder
        return report_error(error, "--json" in argv)
    except KeyboardInterrupt:  # before or after a command ran: nothing of ours is half done
        print(tr("clustertrust: cancelled."), file=sys.stderr)
        return 3


def _start(argv: list[str]) -> int:
    if not argv:
        prepare_own_files()
        return _reported(open_wizard)
    from .commands import BUNDLE_ONLY, build_parser

    choose_language("--json" in argv)  # help and argparse's complaints: the person's language
    args = build_parser(argv).parse_args(argv)
    choose_language(getattr(args, "json", False))
    if args.command not in BUNDLE_ONLY:
        prepare_own_files(args.verbose)
    if args.command is None:
        return _reported(open_wizard)
    stop_on_sigterm()  # a command only: the wizard closes its window on signals itself
    return _reported(lambda: int(args.handler(args)), getattr(args, "json", False))


def _reported(action: Callable[[], int], as_json: bool = False) -> int:
    with escaped_output():
        return _run(action, as_json)


def _run(action: Callable[[], int], as_json: bool) -> int:
    try:
        return action()
    except ClusterTrustError as error:
        return report_error(error, as_json)
    except CommandError as error:  # a tool that failed outside a step (e.g. a busy database)
        failed = OperationFailed(
            tr("A tool failed: {error}.").format(error=error),
            tr("Try again; close browsers or another ClusterTrust using the same database first."),
        )
        return report_error(failed, as_json)
    except KeyboardInterrupt:
        print(tr("clustertrust: cancelled."), file=sys.stderr)
        return 3


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C: a running apply rolls back, temporary key material goes."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with contextlib.suppress(ValueError):  # not the main thread (a test's worker)
            signal.signal(signal.SIGTERM, _interrupt)
            sys.unraisablehook = _redeliver


class Signalled(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Signalled(signum)


def _redeliver(unraisable: sys.UnraisableHookArgs) -> None:
    """An interrupt that lands inside a finalizer (a Popen's __del__) cannot unwind from there:
    Python would print it and carry on. The signal is sent again from another thread, so that it
    lands once the main thread is back in the command's own code."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        import os
        import threading

        signum = getattr(unraisable.exc_value, "signum", signal.SIGINT)
        threading.Timer(0.01, os.kill, (os.getpid(), signum)).start()
        return
    sys.__unraisablehook__(unraisable)


def choose_language(as_json: bool) -> None:
    """Messages follow the user's locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); a JSON document
    is machine output and reads the same in every language."""
    from clustertrust.core import i18n

    i18n.use_languages([] if as_json else None)


def prepare_own_files(verbose: bool = False) -> None:
    """Before a command that uses ClusterTrust's own files: temporary key material of runs that
    were killed (SIGKILL, power loss) is removed, and the log is set up."""
    from clustertrust.core.actions import runtime

    runtime.prepare_own_files(verbose)


def open_wizard() -> int:
    from clustertrust.gui.app import run_wizard  # Qt is loaded only when a window is wanted

    return run_wizard()


def main_gui() -> int:
    return main(sys.argv[1:])


def run() -> int:
    """The `clustertrust` program (pip script, frozen binary, `python -m`). A command is short-lived
    and its start-up objects live to its end, so the cyclic collector stays off (its passes over
    them cost ~10 ms while importing) and all is frozen before the exit (its last walk cost ~50
    ms); a rare cycle's memory goes back at the exit. The wizard keeps the collector it installs
    and Qt's own teardown order."""
    command = sys.argv[1:]
    if command:
        gc.disable()
    code = main(command)
    if command:
        gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
