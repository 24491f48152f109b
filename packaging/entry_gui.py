"""Frozen entry point of the windowed `clustertrust-gui` executable (Windows Start menu).

A windowed Windows executable has no console, so sys.stdout and sys.stderr are None; anything
that writes to them (argparse, logging) would crash, so they are pointed at the null device.
"""

import os
import sys

from clustertrust.cli.main import main_gui

if __name__ == "__main__":
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the app
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the app
    sys.exit(main_gui())
