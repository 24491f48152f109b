"""Windows adapter, against a recording runner that replays certutil's recorded outputs.

certutil cannot run here. Every certutil answer below is a recorded output from
../shared/os-tool-outputs.md with its source beside it, or is marked SYNTHETIC with the reason.
What crypt32 holds is a fake registry store per (location, store): the adapter reads presence
through `Native.certificates`, which on Windows is wincrypt.stored_certificates.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled, OperationFailed
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.platform import hresult
from clustertrust.platform.outcomes import DIALOG_TIMEOUT, NeedsDesktop, NotAnswered
from clustertrust.platform.runner import CommandError, CommandTimedOut
from clustertrust.platform.windows import Native, WindowsStore
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from support.recording import RecordingRunner

CERTUTIL = r"C:\Windows\System32\certutil.exe"

# salt#55024: French `certutil -store` output (two real lines).
FRENCH_STORE = (
    "Certificat racine : le sujet correspond à l’émetteur\r\n"
    "Hach. cert. (sha1) : 12eccce41034db56ec978443531db185327e70f5\r\n"
)
# tokentimerch/tokentimer-core windows-discovery test: the German label, as recorded; the
# thumbprint after it was trimmed in the record, so the one here is salt#55024's.
GERMAN_STORE = "Zertifikathash(sha1): 12eccce41034db56ec978443531db185327e70f5\r\n"
# salt#61494, English; retcode 2147942487 = 0x80070057 as Python on Windows reports it.
INVALID_PARAMETER = (
    2147942487,
    "CertUtil: -addstore command FAILED: 0x80070057 (WIN32: 87 ERROR_INVALID_PARAMETER)\r\n"
    "CertUtil: The parameter is incorrect.\r\n",
)
# DASungta/trae-proxy#11, Chinese Windows: what was recorded is GBK read as UTF-8. The bytes
# below are the GBK word 失败 ("failed"), which read as UTF-8 give exactly the recorded `ʧ��`.
ACCESS_DENIED_GBK = (
    "CertUtil: -addstore 失败: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)\r\n".encode("gbk")
)
ACCESS_DENIED_AS_RECORDED = "CertUtil: -addstore ʧ��: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)"
# forderud/BatterySimulator#21: the store does not exist.
FILE_NOT_FOUND = (
    0x80070002,
    "Cannot open existing Cert store.  Use -f option to force Cert store creation.\r\n"
    "CertUtil: -addstore command FAILED: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)\r\n",
)
# GSA/piv-guides#102 recorded this for `-verify`. SYNTHETIC: that `-delstore` of a thumbprint
# that is not there exits with the same CRYPT_E_NOT_FOUND was not recorded; the adapter does not
# depend on it (it checks the store afterwards), see test_a_delete_that_fails_but_left_nothing.
NOT_FOUND = (
    -2146885628,
    "CertUtil: -verify command FAILED: 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)\r\n"
    "CertUtil: Cannot find object or property.\r\n",
)
# SYNTHETIC: no real certutil output for the user pressing No was found. The code is
# HRESULT_FROM_WIN32(ERROR_CANCELLED); .NET's X509Store, on the same crypt32 call, reports
# "The operation was canceled by the user" (dotnet/corefx#25306). Empty text: none is needed.
CANCELLED = (0x800704C7, "")


class FakeWindows:
    """Registry stores as {sha256: DER} per (user|machine, store), kept from certutil's inputs."""

    def __init__(self, runner: RecordingRunner, chatter: str = "") -> None:
        self.stores: dict[tuple[str, str], dict[str, bytes]] = {}
        self.read: list[tuple[str, str]] = []
        self.interactive = True
        self.forbidden = False
        self.chatter = chatter  # what certutil prints on success, in any language
        runner.on("-addstore", effect=self.addstore)
        runner.on("-importPFX", effect=self.import_pfx)
        runner.on("-delstore", effect=self.delstore)

    def native(self) -> Native:
        return Native(self.certificates, lambda: self.interactive, lambda: self.forbidden)

    def certificates(self, location: str, store: str) -> list[bytes]:
        self.read.append((location, store))
        return list(self.stores.get((location, store), {}).values())

    def _store(self, argv: tuple[str, ...], name: str) -> dict[str, bytes]:
        return self.stores.setdefault(("user" if "-user" in argv else "machine", name), {})

    def put(self, location: str, store: str, cert: x509.Certificate) -> None:
        der = cert.public_bytes(Encoding.DER)
        self.stores.setdefault((location, store), {})[certinfo.sha256(cert)] = der

    def addstore(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        self.put("user" if "-user" in argv else "machine", argv[-2], cert)
        return 0, self.chatter, ""

    def import_pfx(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        password = argv[argv.index("-p") + 1].encode()
        data = Path(argv[argv.index("-importPFX") + 2]).read_bytes()
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        assert key is not None and cert is not None and not extra
        self.put("user" if "-user" in argv else "machine", "My", cert)
        return 0, self.chatter, ""

    def delstore(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        store = self._store(argv, argv[-2])
        for sha256, der in list(store.items()):
            if certinfo.sha1(x509.load_der_x509_certificate(der)) == argv[-1]:
                del store[sha256]
                return 0, self.chatter, ""
        return NOT_FOUND[0], NOT_FOUND[1], ""


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeWindows:
    return FakeWindows(runner)


def store(runner: RecordingRunner, fake: FakeWindows) -> WindowsStore:
    return WindowsStore(runner, Path(CERTUTIL), fake.native())


def certutil_calls(runner: RecordingRunner, verb: str) -> list[tuple[str, ...]]:
    return [c.argv for c in runner.calls if verb in c.argv]


def test_user_scope_command_lines(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, identity = store(runner, fake).plan_install(bundle, Scope.USER)
    assert ca.commands == (f"{CERTUTIL} -user -addstore Root ca.crt",)
    assert identity.commands == (f"{CERTUTIL} -user -p *** -importPFX My bundle.p12 NoRoot",)
    assert ca.needs_authorization and not identity.needs_authorization
    ca.run()
    identity.run()
    add, pfx = runner.calls
    assert add.argv[:4] == (CERTUTIL, "-user", "-addstore", "Root")
    assert add.argv[4].endswith("ca.crt") and not Path(add.argv[4]).exists()  # temp file gone
    assert pfx.argv[:3] == (CERTUTIL, "-user", "-p") and pfx.argv[4:6] == ("-importPFX", "My")
    password = pfx.argv[3]
    assert pfx.argv[7] == "NoRoot" and password.isalnum() and len(password) == 32
    assert password not in " ".join(pfx.shown) and "***" in pfx.shown


@pytest.mark.parametrize("chatter", ["", FRENCH_STORE, GERMAN_STORE], ids=["en", "fr", "de"])
def test_install_status_and_uninstall_in_any_language(
    runner: RecordingRunner, bundle: Bundle, tmp_path: Path, chatter: str
) -> None:
    fake = FakeWindows(runner, chatter)
    ledger = Ledger(tmp_path / "ledger.json")
    windows = store(runner, fake)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [windows], ledger), ledger)
    assert [i.present for i in plans.status(ledger, [windows])] == [True, True]
    runner.calls.clear()
    plans.apply_plan(plans.plan_uninstall(ledger.records(), [windows]), ledger)
    assert certutil_calls(runner, "-delstore") == [
        (CERTUTIL, "-user", "-delstore", "Root", certinfo.sha1(bundle.ca)),  # type: ignore[arg-type]
        (CERTUTIL, "-user", "-delstore", "My", certinfo.sha1(bundle.client_cert)),  # type: ignore[arg-type]
    ]
    assert ledger.records() == [] and not any(fake.stores.values())


def test_presence_is_read_from_the_users_own_store_not_the_local_machine_copy(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    assert bundle.ca is not None
    fake.put("machine", "Root", bundle.ca)  # what CurrentUser\Root shows via .LocalMachine
    ca, _ = store(runner, fake).plan_install(bundle, Scope.USER)
    assert not store(runner, fake).is_installed(ca.record)
    assert fake.read == [("user", "Root")]
    assert runner.calls == []  # neither -verifystore nor any other certutil listing


def test_removal_never_skips_the_delete_and_a_second_one_is_done(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    windows = store(runner, fake)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [windows], ledger), ledger)
    records = ledger.records()
    fake.stores.clear()  # removed by hand in certmgr meanwhile
    plans.apply_plan(plans.plan_uninstall(records, [windows]), ledger)
    assert len(certutil_calls(runner, "-delstore")) == 2  # ran although nothing looked present
    assert ledger.records() == []
    plans.apply_plan(plans.plan_uninstall(records, [windows]), Ledger(tmp_path / "again.json"))


def test_a_delete_that_fails_but_left_nothing_is_done(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, _ = store(runner, fake).plan_install(bundle, Scope.USER)
    runner.on("-delstore", returncode=0x80070005, stdout="")  # e.g. it tried the machine copy
    ca.undo()
    runner.on("-delstore", returncode=FILE_NOT_FOUND[0], stdout=FILE_NOT_FOUND[1])
    ca.undo()


def test_a_delete_that_fails_and_left_the_certificate_is_an_error(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    _, identity = store(runner, fake).plan_install(bundle, Scope.USER)
    identity.run()
    runner.on("-delstore", returncode=INVALID_PARAMETER[0], stdout=INVALID_PARAMETER[1])
    with pytest.raises(CommandError) as raised:
        identity.undo()
    assert raised.value.returncode == INVALID_PARAMETER[0]


def test_answering_no_to_the_root_warning_is_exit_3(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    runner.on("-addstore", returncode=CANCELLED[0], stdout=CANCELLED[1])
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [store(runner, fake)], ledger)
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(plan, ledger)
    assert raised.value.exit_code == 3 and "choose Yes" in raised.value.fix
    assert ledger.records() == [] and not any(fake.stores.values())


def test_signed_cancel_codes_are_the_same_hresult() -> None:
    assert hresult.of(-2147023673) == hresult.CANCELLED == hresult.of(0x800704C7)


def test_no_interactive_desktop_is_refused_before_anything_changes(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    fake.interactive = False
    ca, identity = store(runner, fake).plan_install(bundle, Scope.USER)
    with pytest.raises(NeedsDesktop) as raised:
        ca.run()
    assert raised.value.exit_code == 1 and "no desktop" in raised.value.message
    assert runner.calls == []
    identity.run()  # no root dialog for the identity: it does not need a desktop


def test_a_cancelled_delete_without_a_desktop_says_so(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, _ = store(runner, fake).plan_install(bundle, Scope.USER)
    ca.run()
    fake.interactive = False
    runner.on("-delstore", returncode=CANCELLED[0], stdout=CANCELLED[1])
    with pytest.raises(NeedsDesktop):
        ca.undo()


def test_user_roots_forbidden_by_policy_is_refused_with_the_reason(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    fake.forbidden = True
    ca, _ = store(runner, fake).plan_install(bundle, Scope.USER)
    with pytest.raises(OperationFailed) as raised:
        ca.run()
    assert "ProtectedRoots" in raised.value.message and "--scope system" in raised.value.fix
    assert runner.calls == []


def test_an_unanswered_root_dialog_ends_after_the_long_wait(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    def never_answered(argv: tuple[str, ...], _: bytes | None) -> None:
        raise CommandTimedOut(argv, None, "", "timed out")

    runner.on("-addstore", effect=never_answered)
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [store(runner, fake)], ledger)
    with pytest.raises(OperationFailed) as raised:
        plans.apply_plan(plan, ledger)
    assert isinstance(raised.value.__cause__, NotAnswered)
    assert "Windows confirmation was not answered" in raised.value.message
    (add,) = [c for c in runner.calls if "-addstore" in c.argv]
    assert add.timeout == DIALOG_TIMEOUT
    assert ledger.records() == [] and not any(fake.stores.values())


def test_a_failed_identity_import_takes_the_ca_back_out(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    runner.on("-importPFX", returncode=INVALID_PARAMETER[0], stdout=INVALID_PARAMETER[1])
    ledger = Ledger(tmp_path / "ledger.json")
    with pytest.raises(OperationFailed) as raised:
        plan = plans.plan_install(bundle, Scope.USER, [store(runner, fake)], ledger)
        plans.apply_plan(plan, ledger)
    assert "ERROR_INVALID_PARAMETER" in raised.value.message
    assert not any(fake.stores.values()) and ledger.records() == []
    assert certutil_calls(runner, "-delstore")


def test_system_scope_uses_local_machine_and_explains_access_denied(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, identity = store(runner, fake).plan_install(bundle, Scope.SYSTEM)
    assert ca.commands == (f"{CERTUTIL} -addstore Root ca.crt",)
    assert identity.commands == (f"{CERTUTIL} -p *** -importPFX My bundle.p12 NoRoot",)
    assert ca.record.location == "LocalMachine\\Root" and identity.needs_authorization
    text = ACCESS_DENIED_GBK.decode("gbk")  # what the runner makes of it with code page 936
    runner.on("-addstore", returncode=0x80070005, stdout=text)
    with pytest.raises(OperationFailed) as raised:
        ca.run()
    assert "0x80070005" in raised.value.message and "administrator" in raised.value.fix
    assert runner.calls[0].timeout != DIALOG_TIMEOUT  # no dialog for LocalMachine


def test_the_gbk_record_is_consistent_with_the_bytes_replayed() -> None:
    assert ACCESS_DENIED_GBK.decode("utf-8", errors="replace").strip() == ACCESS_DENIED_AS_RECORDED
