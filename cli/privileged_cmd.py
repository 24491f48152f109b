"""`clustertrust privileged install-ca|remove-ca --name NAME`: the only code run as root.

Started by pkexec or sudo for a system-scope step through privileged_start.py, which calls
main() (never exits 1); `clustertrust privileged` stays a hidden subcommand for tests. It
accepts nothing but one PEM CA certificate (CA:TRUE) on stdin and a sanitised name that must be
the one derived from that certificate; it finds the anchors folder and refresh command itself,
never from arguments.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from clustertrust.core import i18n
from clustertrust.core.actions import certificates as certinfo
from clustertrust.core.errors import InputError, OperationFailed
from clustertrust.core.i18n import tr
from clustertrust.platform import elevation, linux
from clustertrust.platform.runner import CommandError, SubprocessRunner
from cryptography import x509

MAX_PEM = 64 << 10
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def register(commands: argparse._SubParsersAction) -> None:
    _arguments(commands.add_parser("privileged", add_help=False)).set_defaults(handler=run)


def _arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("verb", choices=["install-ca", "remove-ca"])
    parser.add_argument("--name", required=True)
    parser.add_argument("--language", type=_language)
    return parser


def _language(code: str) -> str:
    """The caller's language as a bare code ("de", "pt_BR"): never a path, and the catalog is
    looked up only beside this code's own package, so root reads no file the caller chose."""
    if not LANGUAGE_CODE.fullmatch(code):
        raise argparse.ArgumentTypeError("not a language code")
    return code


def main(argv: Sequence[str]) -> int:
    """The helper as privileged_start.py runs it: no log and no clean-up in the caller's
    folders (root must not write there); bad input exits 2, any other failure HELPER_FAILED."""
    parser = _arguments(argparse.ArgumentParser(prog="clustertrust privileged", add_help=False))
    try:
        args = parser.parse_args(argv)
        i18n.use_languages([args.language] if args.language else [])
        return run(args)
    except InputError as error:
        print(
            f"clustertrust privileged: {error.message} {error.terminal_fix}".rstrip(),
            file=sys.stderr,
        )
        return 2


# The tools run as root see this and nothing the caller set (sudo and pkexec pass some through).
SAFE_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def run(args: argparse.Namespace) -> int:
    """Bad input exits 2; every other failure exits elevation.HELPER_FAILED, never 1, which is
    how the caller tells sudo's own refusal apart without reading its translated words."""
    try:
        return _run(args)
    except InputError:
        raise
    except Exception as error:
        print(f"clustertrust privileged: {error}", file=sys.stderr)
        return elevation.HELPER_FAILED


def _run(args: argparse.Namespace) -> int:
    linux.check_name(args.name)
    if os.geteuid() != 0:
        raise InputError(
            tr("`clustertrust privileged` must run as root."), tr("Use pkexec or sudo.")
        )
    os.chdir("/")
    os.umask(0o022)
    family = linux.detect_family()
    if family is None:
        raise InputError(
            tr("This Linux system has no supported trust store."), tr(linux.MANUAL_STEPS)
        )
    runner = SubprocessRunner(env=SAFE_ENV, cwd="/")
    try:
        if args.verb == "install-ca":
            cert = read_ca(sys.stdin.buffer.read(MAX_PEM + 1), args.name)
            linux.install_anchor(family, args.name, certinfo.to_pem(cert), certinfo.sha256(cert))
            linux.refresh(family, runner)
        else:
            linux.remove_anchor(family, args.name)
            linux.refresh(family, runner, after_remove=True)
    except CommandError as error:
        failed = tr("The trust store refresh failed: {error}").format(error=error)
        raise OperationFailed(failed, "") from error
    return 0


def read_ca(data: bytes, name: str) -> x509.Certificate:
    """Exactly one PEM certificate, a CA, whose derived anchor name is `name`."""
    if len(data) > MAX_PEM or data.count(b"-----BEGIN CERTIFICATE-----") != 1:
        raise InputError(tr("Expected exactly one PEM certificate on stdin."), "")
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise InputError(tr("The PEM certificate on stdin cannot be read."), "") from exc
    if not certinfo.is_ca(cert):
        raise InputError(tr("The certificate is not a CA (no CA:TRUE); it is not trusted."), "")
    if linux.anchor_name(cert) != name:
        raise InputError(
            tr("{name} is not the name for this certificate.").format(name=repr(name)), ""
        )
    return cert
