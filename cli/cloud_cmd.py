"""`clustertrust cloud …`: keep a Kurrent Cloud token in the keyring, list a project's clusters,
and download a cluster's certificate bundle."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from clustertrust.core.actions import cloud, runtime
from clustertrust.core.actions.bundles import bundle_json, bundle_text
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr

from .output import print_json

log = logging.getLogger("clustertrust.cloud")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "cloud",
        help=tr("fetch a cluster's certificate bundle from Kurrent Cloud"),
        description=tr(
            "Work with the Kurrent Cloud API. The refresh token is kept in the OS "
            "keyring, never in files."
        ),
    )
    actions = parser.add_subparsers(dest="cloud_action", metavar="ACTION", required=True)
    login = _action(actions, "login", tr("check a refresh token and store it in the OS keyring"))
    login.add_argument("--token-stdin", action="store_true", help=tr("read the token from stdin"))
    login.set_defaults(handler=run_login)
    removes = tr("remove the stored token from the keyring")
    logout = actions.add_parser("logout", help=removes, description=removes)
    logout.set_defaults(handler=run_logout)
    clusters = _action(actions, "clusters", tr("list the clusters of a project"))
    clusters.add_argument("--json", action="store_true", help=tr("print one JSON document"))
    clusters.set_defaults(handler=run_clusters)
    fetch = _action(actions, "fetch", tr("download a cluster's certificate bundle and inspect it"))
    fetch.add_argument("cluster", help=tr("the cluster id"))
    fetch.add_argument("-o", "--output", help=tr("save the bundle to this new file (mode 0600)"))
    fetch.add_argument("--json", action="store_true", help=tr("print one JSON document"))
    fetch.set_defaults(handler=run_fetch)


def _action(actions: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=text, description=text)
    parser.add_argument("--org", help=tr("organization id (saved by `login --org`)"))
    parser.add_argument("--project", help=tr("project id (saved by `login --project`)"))
    parser.add_argument(
        "--api-url", help=tr("API base URL (default {url})").format(url=cloud.DEFAULT_API_URL)
    )
    parser.add_argument(
        "--identity-url",
        help=tr("identity URL (default {url})").format(url=cloud.DEFAULT_IDENTITY_URL),
    )
    return parser


def _where(args: argparse.Namespace) -> cloud.Where:
    return cloud.Where(args.org, args.project, args.api_url, args.identity_url)


def run_login(args: argparse.Namespace) -> int:
    token = _read_token(args.token_stdin)
    if not token:
        raise InputError(
            tr("No Kurrent Cloud token was given."),
            tr(
                "Paste a refresh token from the Kurrent Cloud console when asked, or pipe it in "
                "with --token-stdin."
            ),
        )
    settings = cloud.log_in(_where(args), token)
    log.info("Kurrent Cloud token checked and stored in the keyring")
    print(tr("The token works and is stored in the OS keyring."))
    if settings.organization and settings.project:
        default = tr("Default organization {organization}, project {project}.")
        print(default.format(organization=settings.organization, project=settings.project))
    return 0


def _read_token(from_stdin: bool) -> str:
    try:
        if from_stdin:
            return sys.stdin.readline().strip()
        return getpass.getpass(tr("Kurrent Cloud refresh token (input hidden): ")).strip()
    except EOFError:
        return ""


def run_logout(args: argparse.Namespace) -> int:
    if cloud.log_out():
        print(tr("The Kurrent Cloud token was removed."))
    else:
        print(tr("No Kurrent Cloud token was stored."))
    return 0


def run_clusters(args: argparse.Namespace) -> int:
    listing = cloud.list_clusters(_where(args))
    if args.json:
        clusters = [c.to_json() for c in listing.clusters]
        print_json(
            {"organization": listing.organization, "project": listing.project, "clusters": clusters}
        )
        return 0
    if not listing.clusters:
        print(tr("Project {project} has no clusters.").format(project=listing.project))
    for item in listing.clusters:
        status = item.status or tr("unknown")
        print(f"{item.id}  {item.name}  [{status}]  {item.address or ''}".rstrip())
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    output = Path(args.output).expanduser() if args.output else None
    if output and output.exists():
        raise InputError(
            tr("{path} already exists.").format(path=output),
            tr("Choose a new file name, or delete the old file."),
        )
    fetched = cloud.fetch_bundle(_where(args), args.cluster)
    opened = fetched.opened
    if output:
        _write_private(output, cloud.archive_bytes(opened.source))
    log.info("fetched the bundle of Kurrent Cloud cluster %s", args.cluster)
    if args.json:
        bundle = bundle_json(opened.bundle, opened.findings)
        document = {"cluster": fetched.info.to_json(), "bundle": bundle}
        print_json({**document, "saved_to": str(output) if output else None})
        return 0
    print(bundle_text(opened.bundle, opened.findings))
    address = opened.offered_url or tr("unknown (see the console)")
    print("\n" + tr("Cluster UI: {address}").format(address=address))
    if output:
        print(
            tr("Saved to {path}. Install it with: clustertrust install {path}").format(path=output)
        )
    return 0


def _write_private(path: Path, data: bytes) -> None:
    try:
        runtime.create_private(path, data)
    except OSError as exc:
        raise InputError(
            tr("{path} cannot be created: {reason}.").format(path=path, reason=exc.strerror),
            tr("Choose another place."),
        ) from exc
