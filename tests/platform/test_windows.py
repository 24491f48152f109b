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
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
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


# certutil's documented usage (Microsoft, certutil: `CertUtil [Options] -importPFX
# [CertificateStoreName] PFXFile [Modifiers]`, "Modifiers -- Comma separated list"), the options
# used here with the number of values each takes, and the -importPFX modifiers it lists.
OPTIONS = {"-user": 0, "-f": 0, "-p": 1, "-Unicode": 0, "-Silent": 0}
PFX_MODIFIERS = {
    "NoExport", "ExportEncrypted", "NoCert", "NoChain", "NoRoot", "NoProtect", "Protect",
    "ProtectHigh", "Pkcs8", "AT_SIGNATURE", "AT_KEYEXCHANGE", "VSM",
}  # fmt: skip
# SYNTHETIC: certutil's answer to a modifier it does not know was not recorded; salt#61494's
# invalid-parameter HRESULT stands in for it.
UNKNOWN_MODIFIER = INVALID_PARAMETER
# SYNTHETIC text, recorded code: DASungta/trae-proxy#11 recorded 0x80070005 for -addstore into a
# machine store without elevation; the same code is assumed for -importPFX and -delstore there.
NOT_ELEVATED = (0x80070005, "CertUtil: command FAILED: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)")


class FakeWindows:
    """Registry stores as {sha256: DER} per (user|machine, store), kept from certutil's inputs,
    which are parsed by certutil's documented syntax; a private key's exportability is kept by
    the identity's SHA-256. Machine stores change only when `elevated`."""

    def __init__(self, runner: RecordingRunner, chatter: str = "") -> None:
        self.stores: dict[tuple[str, str], dict[str, bytes]] = {}
        self.exportable: dict[str, bool] = {}
        self.read: list[tuple[str, str]] = []
        self.interactive = True
        self.forbidden = False
        self.elevated = False
        self.chatter = chatter  # what certutil prints on success, in any language
        for verb in ("-addstore", "-importPFX", "-delstore"):
            runner.on(verb, effect=self.certutil)

    def native(self) -> Native:
        return Native(
            self.certificates,
            lambda: self.interactive,
            lambda: self.forbidden,
            lambda: self.elevated,
        )

    def certificates(self, location: str, store: str) -> list[bytes]:
        self.read.append((location, store))
        return list(self.stores.get((location, store), {}).values())

    def put(self, location: str, store: str, cert: x509.Certificate) -> None:
        der = cert.public_bytes(Encoding.DER)
        self.stores.setdefault((location, store), {})[certinfo.sha256(cert)] = der

    def certutil(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        options: dict[str, str] = {}
        words = list(argv[1:])
        while words[0] in OPTIONS:
            name = words.pop(0)
            options[name] = words.pop(0) if OPTIONS[name] else ""
        verb, args = words[0], words[1:]
        location = "user" if "-user" in options else "machine"
        if location == "machine" and not self.elevated:
            return NOT_ELEVATED[0], NOT_ELEVATED[1], ""
        if verb == "-addstore":
            self.put(location, args[0], x509.load_pem_x509_certificate(Path(args[1]).read_bytes()))
        elif verb == "-importPFX":
            return self._import_pfx(location, options.get("-p", ""), *args)
        else:
            return self._delete(location, *args)
        return 0, self.chatter, ""

    def _import_pfx(
        self, location: str, password: str, store: str, path: str, modifiers: str = ""
    ) -> tuple[int, str, str]:
        chosen = set(modifiers.split(",")) if modifiers else set()
        if chosen - PFX_MODIFIERS:
            return UNKNOWN_MODIFIER[0], UNKNOWN_MODIFIER[1], ""
        key, cert, extra = pkcs12.load_key_and_certificates(
            Path(path).read_bytes(), password.encode()
        )
        assert key is not None and cert is not None and not extra
        self.put(location, store, cert)
        self.exportable[certinfo.sha256(cert)] = "NoExport" not in chosen
        return 0, self.chatter, ""

    def _delete(self, location: str, store_name: str, sha1: str) -> tuple[int, str, str]:
        store = self.stores.setdefault((location, store_name), {})
        for sha256, der in list(store.items()):
            if certinfo.sha1(x509.load_der_x509_certificate(der)) == sha1:
                del store[sha256]
                return 0, self.chatter, ""
        return NOT_FOUND[0], NOT_FOUND[1], ""


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeWindows:
    return FakeWindows(runner)


def store(runner: RecordingRunner, fake: FakeWindows) -> WindowsStore:
    return WindowsStore(runner, Path(CERTUTIL), fake.native())


def certutil_calls(runner: RecordingRunner, verb: str) -> list[tuple[str, ...]]:
    return [c.argv for c in runner.calls if verb in c.argv]


def test_user_scope_trusts_the_ca_and_imports_a_non_exportable_key(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    assert bundle.ca is not None and bundle.client_cert is not None
    ca, identity = store(runner, fake).plan_install(bundle, Scope.USER)
    assert ca.needs_authorization and not identity.needs_authorization
    ca.run()
    identity.run()
    assert set(fake.stores) == {("user", "Root"), ("user", "My")}
    assert fake.exportable == {certinfo.sha256(bundle.client_cert): False}  # NoExport
    add = next(c for c in runner.calls if "-addstore" in c.argv)
    assert not Path(add.argv[-1]).exists()  # the temporary ca.crt is gone
    pfx = next(c for c in runner.calls if "-importPFX" in c.argv)
    password = pfx.argv[pfx.argv.index("-p") + 1]
    assert password.isalnum() and len(password) == 32
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
    again = Ledger(tmp_path / "again.json")
    plans.apply_plan(plans.plan_uninstall(records, [windows]), again)
    assert len(certutil_calls(runner, "-delstore")) == 4
    assert again.records() == []


def test_a_delete_that_fails_but_left_nothing_is_done(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, _ = store(runner, fake).plan_install(bundle, Scope.USER)
    runner.on("-delstore", returncode=0x80070005, stdout="")  # e.g. it tried the machine copy
    ca.undo()  # no raise: the store, read back, does not hold it
    assert fake.read == [("user", "Root")]
    runner.on("-delstore", returncode=FILE_NOT_FOUND[0], stdout=FILE_NOT_FOUND[1])
    ca.undo()  # no raise: certutil's own "not found" code says so
    assert len(certutil_calls(runner, "-delstore")) == 2
    assert not store(runner, fake).is_installed(ca.record)


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


def test_system_scope_without_elevation_is_refused_before_anything_runs(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    with pytest.raises(InputError) as raised:
        store(runner, fake).plan_install(bundle, Scope.SYSTEM)
    assert raised.value.exit_code == 2 and "administrator" in raised.value.fix
    assert runner.calls == []


def test_system_scope_elevated_uses_local_machine_without_a_dialog(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    fake.elevated = True
    ledger = Ledger(tmp_path / "ledger.json")
    windows = store(runner, fake)
    plans.apply_plan(plans.plan_install(bundle, Scope.SYSTEM, [windows], ledger), ledger)
    assert set(fake.stores) == {("machine", "Root"), ("machine", "My")}
    assert [i.present for i in plans.status(ledger, [windows])] == [True, True]
    assert all(c.timeout != DIALOG_TIMEOUT for c in runner.calls)  # no dialog for LocalMachine
    plans.apply_plan(plans.plan_uninstall(ledger.records(), [windows]), ledger)
    assert not any(fake.stores.values()) and ledger.records() == []


def test_access_denied_on_the_machine_store_is_explained(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    """Elevation lost between the plan and the run (DASungta/trae-proxy#11's code and bytes)."""
    fake.elevated = True
    ca, _ = store(runner, fake).plan_install(bundle, Scope.SYSTEM)
    text = ACCESS_DENIED_GBK.decode("gbk")  # what the runner makes of it with code page 936
    runner.on("-addstore", returncode=0x80070005, stdout=text)
    with pytest.raises(OperationFailed) as raised:
        ca.run()
    assert "0x80070005" in raised.value.message and "administrator" in raised.value.fix


def test_a_modifier_certutil_does_not_list_would_fail(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    """The fake refuses what the documented usage does not list; so the adapter's list holds."""
    misspelt = (CERTUTIL, "-user", "-p", "x", "-importPFX", "My", "bundle.p12", "NoRoot,NoExprot")
    assert runner.run(misspelt, check=False).returncode == UNKNOWN_MODIFIER[0]
    _, identity = store(runner, fake).plan_install(bundle, Scope.USER)
    identity.run()


def test_the_gbk_record_is_consistent_with_the_bytes_replayed() -> None:
    assert ACCESS_DENIED_GBK.decode("utf-8", errors="replace").strip() == ACCESS_DENIED_AS_RECORDED
