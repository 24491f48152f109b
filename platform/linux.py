"""The Linux system trust store: the ca-certificates families, detected by capability.

A family is usable when its anchors folder exists and its refresh command exists at an absolute
path. /etc/os-release breaks ties. System scope needs root: as uid 0 the file is written here;
otherwise our minimal `clustertrust privileged` subcommand runs under pkexec or sudo.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core import certinfo, fileio
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
from clustertrust.core.i18n import language, tr, translatable
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.platform import anchor_registry
from clustertrust.platform import elevation as elev
from clustertrust.platform.runner import CommandError, Runner
from cryptography import x509
from cryptography.hazmat.primitives import serialization

NAME = "linux-anchors"
NAME_PATTERN = re.compile(r"clustertrust-[a-z0-9][a-z0-9-]{0,80}")  # always with fullmatch
# Root-owned list of the anchors ClusterTrust installed system-wide: the only ones it removes.
SYSTEM_REGISTRY = Path("/var/lib/clustertrust/system-anchors.json")


@dataclass(frozen=True)
class Family:
    title: str
    anchors: Path
    suffix: str
    refresh: tuple[str, ...]  # the first item is the absolute path of the tool
    refresh_after_remove: tuple[str, ...]
    bundle: Path | None  # the compiled bundle that programs read, to check a refresh happened
    os_ids: tuple[str, ...] = ()
    registry: Path | None = None  # the anchors we installed (None: a sandbox, no list kept)

    def anchor(self, name: str) -> Path:
        return self.anchors / f"{name}{self.suffix}"


# (title, anchors, suffix, tool, refresh args, args after removal, compiled bundle, os ids)
_KNOWN = (
    (
        translatable("the system trust store (Debian/Ubuntu)"),
        "/usr/local/share/ca-certificates",
        ".crt",
        "update-ca-certificates",
        (),
        ("--fresh",),
        "/etc/ssl/certs/ca-certificates.crt",
        ("debian", "ubuntu"),
    ),
    (
        translatable("the system trust store (Fedora/RHEL)"),
        "/etc/pki/ca-trust/source/anchors",
        ".pem",
        "update-ca-trust",
        ("extract",),
        ("extract",),
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        ("fedora", "rhel", "centos"),
    ),
    (
        translatable("the system trust store (Arch)"),
        "/etc/ca-certificates/trust-source/anchors",
        ".crt",
        "trust",
        ("extract-compat",),
        ("extract-compat",),
        "/etc/ca-certificates/extracted/tls-ca-bundle.pem",
        ("arch",),
    ),
    (
        translatable("the system trust store (openSUSE)"),
        "/usr/share/pki/trust/anchors",
        ".pem",
        "update-ca-certificates",
        (),
        (),
        "/var/lib/ca-certificates/ca-bundle.pem",
        ("suse", "opensuse"),
    ),
)

RESTART_PROGRAMS = translatable(
    "Programs that were already running may need a restart to see the new CA."
)
MANUAL_STEPS = translatable(
    "No supported system trust store was found (no anchors folder with its refresh command). "
    "To trust the CA by hand, copy ca.crt into your distribution's anchors folder and run its "
    "refresh command (Debian: /usr/local/share/ca-certificates + update-ca-certificates; "
    "Fedora: /etc/pki/ca-trust/source/anchors + update-ca-trust extract; Arch: "
    "trust anchor ca.crt). Browsers are covered by --stores nss."
)


def detect_family(root: Path = Path("/")) -> Family | None:
    found = []
    for title, anchors, suffix, tool, args, after, compiled, ids in _KNOWN:
        folder = root / anchors.lstrip("/")
        tool_path = elev.find_tool(tool, ("/usr/sbin", "/usr/bin", "/sbin", "/bin"), root)
        if folder.is_dir() and tool_path:
            refresh = (str(tool_path), *args)
            bundle = root / compiled.lstrip("/")
            after_remove = (str(tool_path), *after)
            registry = root / str(SYSTEM_REGISTRY).lstrip("/")
            found.append(
                Family(title, folder, suffix, refresh, after_remove, bundle, ids, registry)
            )
    if len(found) > 1:
        known = os_release_ids(root / "etc/os-release")
        found.sort(key=lambda f: not any(i in known for i in f.os_ids))
    return found[0] if found else None


def os_release_ids(path: Path) -> set[str]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return set()
    ids: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids.update(value.strip().strip("\"'").lower().split())
    return ids


def anchor_name(cert: x509.Certificate) -> str:
    """A sanitised file name that says whose CA it is and can only be ours."""
    cn = re.sub(r"[^a-z0-9]+", "-", certinfo.common_name(cert.subject).lower()).strip("-")
    return f"clustertrust-{cn[:40] or 'ca'}-{certinfo.sha256(cert)[:12]}"


def write_anchor(family: Family, name: str, pem: bytes) -> Path:
    """Atomically put one CA certificate into the anchors folder, readable by all (0644)."""
    check_name(name)
    target = family.anchor(name)
    fileio.write_atomic(target, pem, mode=0o644)
    return target


def check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(
            tr("{name} is not a ClusterTrust anchor name.").format(name=repr(name)),
            tr("Check the name."),
        )


def delete_anchor(family: Family, name: str) -> bool:
    check_name(name)
    try:
        family.anchor(name).unlink()
    except FileNotFoundError:
        return False
    return True


def install_anchor(family: Family, name: str, pem: bytes, sha256: str) -> None:
    """Write the anchor and list it as ours (the list first: a crash leaves it removable)."""
    check_name(name)
    if family.registry is not None:
        anchor_registry.add(family.registry, name, sha256)
    write_anchor(family, name, pem)


def remove_anchor(family: Family, name: str) -> None:
    """Delete an anchor ClusterTrust installed; any other file is refused and left alone."""
    check_name(name)
    if family.registry is not None and name not in anchor_registry.names(family.registry):
        raise InputError(
            tr(
                "{name} is not an anchor ClusterTrust installed on this computer; it was left "
                "alone."
            ).format(name=name),
            tr("Remove it by hand if it should go."),
        )
    delete_anchor(family, name)
    if family.registry is not None:
        anchor_registry.discard(family.registry, name)


def refresh(family: Family, runner: Runner, after_remove: bool = False) -> None:
    argv = family.refresh_after_remove if after_remove else family.refresh
    if argv:
        runner.run(argv, timeout=300)


def cert_in_file(cert: x509.Certificate, path: Path) -> bool:
    """Whether the certificate's DER appears in a PEM file, whatever its line wrapping."""
    try:
        text = path.read_bytes()
    except OSError:
        return False
    body = base64.b64encode(cert.public_bytes(serialization.Encoding.DER))
    return body in re.sub(rb"\s+", b"", text)


class LinuxAnchorsStore:
    """System scope only. `family=None` detects the family; `elevation=None` chooses one."""

    name = NAME
    title = translatable("Linux system trust store")

    def __init__(
        self,
        runner: Runner,
        family: Family | None = None,
        elevation: elev.Elevation | None = None,
        *,
        autodetect: bool = True,
        any_scope: bool = False,
    ) -> None:
        self.runner = runner
        self.any_scope = any_scope  # a sandbox folder (the demo) is not shared by all users
        self.family = family if family is not None or not autodetect else detect_family()
        self._elevation = elevation

    @property
    def elevation(self) -> elev.Elevation:
        if self._elevation is None:
            why = tr(
                "ClusterTrust needs administrator rights to add a CA to the system trust store."
            )
            self._elevation = elev.choose(reason=why)
        return self._elevation

    def detect(self) -> Availability:
        if self.family is None:
            return Availability(False, tr(MANUAL_STEPS))
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        family = self._family()
        if scope is not Scope.SYSTEM and not self.any_scope:
            raise InputError(
                tr("The Linux system trust store is shared by all users and needs --scope system."),
                tr(
                    "Use --scope system (asks for authorization), or --stores nss for your "
                    "browsers."
                ),
            )
        if bundle.ca is None:
            return []
        name = anchor_name(bundle.ca)
        record = record_for(bundle.ca, Kind.CA, NAME, str(family.anchor(name)), name, scope)
        return [self._install_step(record, family, certinfo.to_pem(bundle.ca))]

    def is_installed(self, record: Record) -> bool:
        path = Path(record.location)
        try:
            cert = x509.load_pem_x509_certificate(path.read_bytes())
        except (OSError, ValueError):
            return False
        if certinfo.sha256(cert) != record.sha256:
            return False
        compiled = self.family.bundle if self.family else None
        return compiled is None or not compiled.exists() or cert_in_file(cert, compiled)

    def plan_remove(self, record: Record) -> list[Step]:
        family = self._family()
        return [
            Step(
                action="remove",
                record=record,
                summary=tr("Remove the CA {subject} from {store}").format(
                    subject=repr(record.subject), store=tr(family.title)
                ),
                commands=self._shown("remove-ca", record, after_remove=True),
                undo_commands=(),
                needs_authorization=self._prompts(),
                run=lambda: self._remove(family, record.name),
            )
        ]

    def _family(self) -> Family:
        if self.family is None:
            raise InputError(
                tr("This Linux system has no supported trust store."), tr(MANUAL_STEPS)
            )
        return self.family

    def _prompts(self) -> bool:
        return self.elevation.prompts

    def _install_step(self, record: Record, family: Family, pem: bytes) -> Step:
        return Step(
            action="install",
            record=record,
            summary=tr("Trust the CA {subject} in {store}").format(
                subject=repr(record.subject), store=tr(family.title)
            ),
            commands=self._shown("install-ca", record),
            undo_commands=self._shown("remove-ca", record, after_remove=True),
            needs_authorization=self._prompts(),
            note=RESTART_PROGRAMS,
            run=lambda: self._install(family, record.name, pem),
            undo=lambda: self._remove(family, record.name),
        )

    def _shown(self, verb: str, record: Record, after_remove: bool = False) -> tuple[str, ...]:
        family = self._family()
        refresh_argv = family.refresh_after_remove if after_remove else family.refresh
        direct = (
            (tr("write {path}") if verb == "install-ca" else tr("delete {path}")).format(
                path=record.location
            ),
            *([" ".join(refresh_argv)] if refresh_argv else []),
        )
        if self.elevation.method is elev.Method.DIRECT:
            return direct
        argv = self._privileged_argv(verb, record.name)
        does = tr("{command}   # which does: {steps}")
        return (does.format(command=" ".join(argv), steps="; ".join(direct)),)

    def _privileged_argv(self, verb: str, name: str) -> tuple[str, ...]:
        """The helper gets the language as a code (it reads its own catalog, never one of ours
        by path): its refusals read like the rest of the window."""
        told = ("--language", language()) if language() else ()
        command = (*elev.self_command(), "privileged", verb, "--name", name, *told)
        return (*self.elevation.prefix, *command)

    def _install(self, family: Family, name: str, pem: bytes) -> None:
        if self.elevation.method is elev.Method.DIRECT:
            install_anchor(family, name, pem, certinfo.sha256(x509.load_pem_x509_certificate(pem)))
            refresh(family, self.runner)
        else:
            self._elevated("install-ca", name, pem)

    def _remove(self, family: Family, name: str) -> None:
        if self.elevation.method is elev.Method.DIRECT:
            remove_anchor(family, name)
            refresh(family, self.runner, after_remove=True)
        else:
            self._elevated("remove-ca", name, b"")

    def _elevated(self, verb: str, name: str, pem: bytes) -> None:
        if self.elevation.method is elev.Method.NONE:
            raise OperationFailed(
                tr(
                    "Changing the system trust store needs administrator rights, and neither "
                    "pkexec (with a desktop session) nor sudo (in a terminal) is available."
                ),
                tr("Run the install as root (sudo clustertrust install ...), or use --scope user."),
            )
        argv = self._privileged_argv(verb, name)
        result = self.runner.run(argv, input=pem, timeout=600, check=False)
        if result.returncode == 0:
            return
        if elev.refused(self.elevation, result):
            raise Cancelled(
                tr("Authorization was refused, so the system trust store was not changed."),
                tr(
                    "Run the install again and enter an administrator password, or use --scope "
                    "user."
                ),
            )
        raise CommandError(result.argv, result.returncode, result.output)
