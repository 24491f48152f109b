"""Frozen entry point of `clustertrust`: the same run() as the pip console script.

No arguments opens the wizard; subcommands (including the hidden privileged helper that pkexec
re-runs through sys.executable) work exactly as when installed with pip.
"""

import sys

from clustertrust.cli.main import run

if __name__ == "__main__":
    sys.exit(run())
