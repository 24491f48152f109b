"""The Windows pieces below the adapter: crypt32 reading, session facts, the runner's Windows mode.

crypt32, user32 and the registry do not exist here: the crypt32 reader is driven through a fake
library with the same C signatures (real ctypes structures and pointers), which checks how the
store is opened, that every certificate's bytes come back and that the store is closed. Whether
Windows answers these calls as documented is verified only on Windows (README).
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from typing import Any

import pytest
from clustertrust.platform import runner as runner_module
from clustertrust.platform import wincrypt, winsession
from clustertrust.platform.onetime import ALPHABET, one_time_password
from clustertrust.platform.runner import CommandTimedOut, SubprocessRunner

# DASungta/trae-proxy#11 (see test_windows.py): GBK bytes of a real certutil failure line.
GBK_LINE = "CertUtil: -addstore 失败: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)"


class FakeCrypt32:
    def __init__(self, ders: list[bytes], error: int = 0) -> None:
        self.buffers = [(ctypes.c_ubyte * len(d)).from_buffer_copy(d) for d in ders]
        self.contexts = [
            wincrypt.CertContext(1, ctypes.cast(b, ctypes.POINTER(ctypes.c_ubyte)), len(b))
            for b in self.buffers
        ]
        self.error = error
        self.opened: list[tuple[Any, ...]] = []
        self.closed: list[int] = []

    def CertOpenStore(self, *args: Any) -> int | None:
        self.opened.append(args)
        return None if self.error else 42

    def CertEnumCertificatesInStore(self, handle: int, previous: Any) -> Any:
        addresses = [ctypes.addressof(c) for c in self.contexts]
        at = 0 if not previous else addresses.index(ctypes.addressof(previous.contents)) + 1
        if at == len(self.contexts):
            return wincrypt.CertContextPointer()
        return ctypes.pointer(self.contexts[at])

    def CertCloseStore(self, handle: int, flags: int) -> int:
        self.closed.append(handle)
        return 1

    def last_error(self) -> int:
        return self.error


def test_crypt32_reads_every_certificate_of_one_registry_store_read_only() -> None:
    lib = FakeCrypt32([b"\x30\x03\x02\x01\x01", b"\x30\x00"])
    assert wincrypt.stored_certificates("user", "Root", lib) == [
        b"\x30\x03\x02\x01\x01",
        b"\x30\x00",
    ]
    ((provider, _, _, flags, name),) = lib.opened
    assert (
        provider == wincrypt.CERT_STORE_PROV_SYSTEM_REGISTRY_W
    )  # one physical store, no collection
    assert flags == 0x10000 | 0x4000 | 0x8000  # CURRENT_USER | OPEN_EXISTING | READONLY
    assert name == "Root" and lib.closed == [42]


def test_crypt32_machine_location_and_a_store_never_created() -> None:
    lib = FakeCrypt32([], error=wincrypt.ERROR_FILE_NOT_FOUND)
    assert wincrypt.stored_certificates("machine", "My", lib) == []
    assert lib.opened[0][3] & 0x00FF0000 == 0x20000 and lib.closed == []


def test_crypt32_other_failures_are_an_os_error_with_the_code() -> None:
    with pytest.raises(OSError) as raised:
        wincrypt.stored_certificates("user", "Root", FakeCrypt32([], error=5))
    assert raised.value.errno == 5


def test_crypt32_is_windows_only() -> None:
    if sys.platform != "win32":
        with pytest.raises(OSError):
            wincrypt.Crypt32()


def test_session_facts_are_bits() -> None:
    assert winsession.flags_visible(0x0001) and not winsession.flags_visible(0x0000)
    assert winsession.policy_forbids(0x1) and winsession.policy_forbids(0x3)
    assert not winsession.policy_forbids(0x2)  # INHIBIT_ADD_AT_INIT does not forbid user roots


def test_off_windows_nothing_is_known_to_be_blocked() -> None:
    if sys.platform != "win32":
        assert winsession.interactive_desktop() and not winsession.user_roots_forbidden()


def test_one_time_passwords_can_never_look_like_an_option() -> None:
    samples = {one_time_password() for _ in range(500)}
    assert len(samples) == 500
    assert all(len(p) == 32 and set(p) <= set(ALPHABET) and p.isalnum() for p in samples)
    assert not any(p.startswith("-") for p in samples)


def test_children_get_no_console_window_on_windows_only() -> None:
    assert runner_module.creation_flags("win32") == 0x08000000  # CREATE_NO_WINDOW
    assert runner_module.creation_flags("linux") == 0 == runner_module.creation_flags("darwin")


def test_the_runner_passes_its_creation_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        seen.update(kwargs)
        return subprocess.CompletedProcess(argv, 0, b"", b"")

    monkeypatch.setattr(runner_module.subprocess, "run", fake_run)
    SubprocessRunner(flags=0x08000000).run(["certutil.exe"])
    assert seen["creationflags"] == 0x08000000


def test_output_is_decoded_with_the_oem_code_page_on_windows() -> None:
    assert runner_module.output_encoding("win32") == "oem"
    assert runner_module.output_encoding("linux") == "utf-8"


def test_a_gbk_console_message_is_read_back_intact() -> None:
    # cp936 stands in for "oem" on a Chinese Windows, where the OEM code page is 936.
    script = f"import sys; sys.stdout.buffer.write({GBK_LINE.encode('gbk')!r})"
    result = SubprocessRunner(encoding="cp936").run([sys.executable, "-c", script])
    assert result.stdout == GBK_LINE


def test_a_time_limit_is_its_own_error() -> None:
    with pytest.raises(CommandTimedOut) as raised:
        SubprocessRunner().run([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.3)
    assert raised.value.returncode is None and "timed out" in str(raised.value)
