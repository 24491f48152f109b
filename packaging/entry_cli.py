"""Frozen entry point of `clustertrust`: the same run() as the pip console script.

No arguments opens the wizard; subcommands (including the hidden privileged helper that pkexec
re-runs through sys.executable) work exactly as when installed with pip.
"""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["privileged"]:  # what pkexec/sudo start: never exits 1 (sudo's refusal)
        from clustertrust.cli.privileged_start import start

        sys.exit(start(sys.argv[2:]))
    from clustertrust.cli.main import run

    sys.exit(run())
