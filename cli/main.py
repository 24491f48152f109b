"""Entry point: no arguments opens the wizard; subcommands serve scripts and helpdesk sessions."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from clustertrust.core.errors import ClusterTrustError
from clustertrust.core.logs import setup_logging

from .output import report_error


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        setup_logging()
        return _reported(open_wizard)
    from .commands import build_parser

    args = build_parser(argv).parse_args(argv)
    setup_logging(args.verbose)
    if args.command is None:
        return _reported(open_wizard)
    return _reported(lambda: int(args.handler(args)), getattr(args, "json", False))


def _reported(action: Callable[[], int], as_json: bool = False) -> int:
    try:
        return action()
    except ClusterTrustError as error:
        return report_error(error, as_json)
    except KeyboardInterrupt:
        print("clustertrust: cancelled.", file=sys.stderr)
        return 3


def open_wizard() -> int:
    from clustertrust.gui.app import run_wizard  # Qt is loaded only when a window is wanted

    return run_wizard()


def main_gui() -> int:
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
