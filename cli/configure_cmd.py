"""`clustertrust configure …`: show, and with --write save, client configuration that points at
the installed identity files (KurrentDB, kumactl, PostgreSQL service file, MySQL option file)."""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from pathlib import Path

from clustertrust.core.actions import clients as cc
from clustertrust.core.i18n import tr
from clustertrust.platform import client_tools, detect

from .options import bundle_from
from .output import print_json

log = logging.getLogger("clustertrust.configure")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "configure",
        help=tr(
            "set up a client (KurrentDB, kumactl, psql, mysql) to use the installed certificates"
        ),
        description=tr(
            "Show the client configuration for the installed certificates. Files are "
            "changed only with --write; other content in them is kept, the old file is backed up."
        ),
    )
    clients = parser.add_subparsers(dest="client", metavar="CLIENT", required=True)
    kurrent = _client(clients, "kurrentdb", tr("print a KurrentDB connection string"), writes=False)
    kurrent.add_argument("--port", type=int, default=cc.KURRENTDB_PORT)
    kurrent.add_argument(
        "--no-discover", action="store_true", help=tr("a single node, no discovery")
    )
    kurrent.add_argument(
        "--user",
        default="",
        help=tr(
            "KurrentDB user: adds NAME:PASSWORD@, which the Python client needs (you put the "
            "password in; ClusterTrust never writes one)"
        ),
    )
    kuma = _client(clients, "kumactl", tr("add the control plane to ~/.kumactl/config"))
    kuma.add_argument("--name", default="clustertrust", help=tr("control plane and context name"))
    kuma.add_argument("--no-use", action="store_true", help=tr("keep the current kumactl context"))
    pg = _client(clients, "pg", tr("add a service to ~/.pg_service.conf"))
    pg.add_argument(
        "--service", required=True, help=tr("service name, used as `psql service=NAME`")
    )
    pg.add_argument("--port", type=int, default=cc.POSTGRES_PORT)
    pg.add_argument("--dbname", help=tr("database name"))
    pg.add_argument("--user", help=tr("database user"))
    mysql = _client(clients, "mysql", tr("add an option group to ~/.my.cnf"))
    mysql.add_argument("--name", required=True, help=tr("group suffix: [client_NAME]"))
    mysql.add_argument(
        "--port", type=int, help=tr("the server's port (default: the client's 3306)")
    )
    mysql.add_argument(
        "--flavour",
        choices=[f.value for f in cc.MysqlFlavour],
        help=tr("which client reads the file (default: the `mysql` installed here)"),
    )
    mysql.add_argument(
        "--mariadb",
        dest="flavour",
        action="store_const",
        const=cc.MysqlFlavour.MARIADB.value,
        help=tr("same as --flavour mariadb"),
    )


def _client(
    clients: argparse._SubParsersAction, name: str, text: str, writes: bool = True
) -> argparse.ArgumentParser:
    parser = clients.add_parser(name, help=text, description=text)
    parser.add_argument("--host", required=True, help=tr("the server's host name"))
    parser.add_argument(
        "--identity", default="", help=tr("SHA-256 prefix of the client certificate")
    )
    parser.add_argument("--bundle", help=tr("a CA-only bundle to use instead of installed files"))
    parser.add_argument("--json", action="store_true", help=tr("print one JSON document"))
    if writes:
        parser.add_argument("--file", help=tr("the file to change instead of the usual one"))
        parser.add_argument("--write", action="store_true", help=tr("write the file"))
        parser.add_argument(
            "--verify-ca",
            action="store_true",
            help=tr("check the CA only: for servers whose certificate names are in-cluster only"),
        )
    parser.set_defaults(handler=run, client=name)
    return parser


def run(args: argparse.Namespace) -> int:
    bundle = bundle_from(args, args.bundle) if args.bundle else None
    files = cc.client_files(detect.RealMachine(), args.identity, bundle)
    if args.client == "kurrentdb":
        return _kurrentdb(args, files)
    if args.client == "mysql":
        args.flavour = cc.mysql_flavour(args.flavour, client_tools.mysql_flavour)
        log.info("the mysql client the file is for: %s", args.flavour.value)
    change = _change(args, files)
    backup = change.apply() if args.write else None
    if args.write:
        log.info("wrote %s client configuration to %s", args.client, change.path)
    if args.json:
        print_json(
            {
                "path": str(change.path),
                "changed": change.changed,
                "written": bool(args.write and change.changed),
                "backup": str(backup) if backup else None,
                "text": change.new_text,
            }
            | ({"flavour": args.flavour} if args.client == "mysql" else {})
        )
        return 0
    _show(args, change, backup)
    return 0


def _kurrentdb(args: argparse.Namespace, files: cc.ClientFiles) -> int:
    discover = False if args.no_discover else None  # None: a name discovers, an IP does not
    text = cc.kurrentdb_connection_string(args.host, files, args.port, discover, args.user)
    placeholder = cc.PASSWORD_PLACEHOLDER if args.user else None
    if args.json:
        print_json({"connection_string": text, "user": args.user or None,
                    "password_placeholder": placeholder})  # fmt: skip
        return 0
    print(text)
    if placeholder:
        said = tr("Put {user}'s password in place of {placeholder}: ClusterTrust never writes "
                  "passwords.")  # fmt: skip
        print(said.format(user=args.user, placeholder=placeholder), file=sys.stderr)
    else:
        print(tr("The Python client (kurrentdbclient) also needs user info: add --user NAME."),
              file=sys.stderr)  # fmt: skip
    return 0


def _change(args: argparse.Namespace, files: cc.ClientFiles) -> cc.Change:
    path = Path(args.file).expanduser().absolute() if args.file else None
    verify = not args.verify_ca
    if args.client == "kumactl":
        return cc.kumactl_change(args.name, args.host, files, not args.no_use, path)
    if args.client == "pg":
        extra = {k: v for k, v in (("dbname", args.dbname), ("user", args.user)) if v}
        return cc.pg_service_change(args.service, args.host, files, verify, args.port, extra, path)
    return cc.mysql_change(
        f"client_{args.name}", args.host, files, verify, args.flavour, args.port, path
    )


def _show(args: argparse.Namespace, change: cc.Change, backup: Path | None) -> None:
    if not change.changed:
        print(
            tr("{path} already has this configuration; nothing to change.").format(path=change.path)
        )
        return
    diff = difflib.unified_diff(
        change.old_text.splitlines(),
        change.new_text.splitlines(),
        str(change.path),
        str(change.path),
        lineterm="",
    )
    print("\n".join(diff))
    if not args.write:
        print(
            "\n"
            + tr("Nothing was written. Add --write to save this to {path}.").format(
                path=change.path
            )
        )
        return
    if backup:
        saved = tr("Saved {path} (the old file is kept as {backup}).")
    else:
        saved = tr("Saved {path}.")
    print("\n" + saved.format(path=change.path, backup=backup))
    print(_usage_hint(args, change.path))


def _usage_hint(args: argparse.Namespace, path: Path) -> str:
    if args.client == "pg":
        return tr("Connect with: {command}").format(command=f'psql "service={args.service}"')
    if args.client == "mysql":
        extra = "" if cc.mysql_reads_by_itself(path) else f' --defaults-extra-file="{path}"'
        command = f"mysql{extra} --defaults-group-suffix=_{args.name}"
        return tr("Connect with: {command}").format(command=command)
    return tr("kumactl now talks to the control plane: try `kumactl get meshes`.")
