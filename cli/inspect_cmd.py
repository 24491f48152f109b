"""`clustertrust inspect SOURCE`: read a bundle, summarise it and list the findings."""

from __future__ import annotations

import argparse

from clustertrust.core.actions.bundles import bundle_json, bundle_text
from clustertrust.core.i18n import tr

from .args import parents
from .options import opened_from
from .output import print_json


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "inspect",
        help=tr("read a certificate bundle and show what is in it"),
        description=tr(
            "Read a bundle (file, folder or https:// URL) and list its certificates "
            "and findings. Changes nothing."
        ),
        parents=parents("password", "json"),
    )
    parser.add_argument("source", help=tr("bundle file, folder or https:// URL"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    opened = opened_from(args, args.source)
    if args.json:
        print_json(bundle_json(opened.bundle, opened.findings))
    else:
        print(bundle_text(opened.bundle, opened.findings))
    return 0
