"""The Windows pieces below the adapter: crypt32 reading, session facts, the runner's Windows mode.

crypt32, user32 and the registry do not exist here. The crypt32 reader is driven through a
stand-in library whose functions are real C function pointers with wincrypt.h's prototypes, as
written below from Microsoft's documentation (not from our module): Python calls them through
the argtypes/restype our Crypt32 declares, so a wrong declaration (a 64-bit handle cut to an int,
arguments in the wrong order, a CERT_CONTEXT field at the wrong offset) fails here. Whether
Windows answers these calls as documented is verified only on Windows (README; the Windows job
of .github/workflows/build.yml prints what it sees).
"""

from __future__ import annotations

import ctypes
import struct
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import pytest
from clustertrust.platform import runner as runner_module
from clustertrust.platform import wincrypt, winsession
from clustertrust.platform.onetime import ALPHABET, one_time_password
from clustertrust.platform.runner import CommandTimedOut, SubprocessRunner

# DASungta/trae-proxy#11 (see test_windows.py): GBK bytes of a real certutil failure line.
GBK_LINE = "CertUtil: -addstore 失败: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)"

# wincrypt.h, as Microsoft documents it (x64: DWORD 4 bytes, pointers and ULONG_PTR 8):
# HCERTSTORE CertOpenStore(LPCSTR lpszStoreProvider, DWORD dwEncodingType,
#                          HCRYPTPROV_LEGACY hCryptProv, DWORD dwFlags, const void *pvPara);
OPEN = ctypes.CFUNCTYPE(
    ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_uint32,
    ctypes.c_void_p,
)  # fmt: skip
# PCCERT_CONTEXT CertEnumCertificatesInStore(HCERTSTORE hCertStore, PCCERT_CONTEXT pPrev);
ENUM = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
# BOOL CertCloseStore(HCERTSTORE hCertStore, DWORD dwFlags);
CLOSE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_uint32)
# CERT_CONTEXT {DWORD dwCertEncodingType; BYTE *pbCertEncoded; DWORD cbCertEncoded;
#               PCERT_INFO pCertInfo; HCERTSTORE hCertStore;}: offsets 0, 8, 16, 24, 32.
CERT_CONTEXT = struct.Struct("<I4xQI4xQQ")
HANDLE = 0x7F12_3456_7890  # above 32 bits: an int restype would cut it
X509_ASN_ENCODING = 1


class StandInCrypt32:
    """crypt32's three functions as C function pointers over an in-memory store."""

    def __init__(self, ders: list[bytes], error: int = 0) -> None:
        self.buffers = [ctypes.create_string_buffer(d, len(d)) for d in ders]
        self.contexts = [
            ctypes.create_string_buffer(
                CERT_CONTEXT.pack(X509_ASN_ENCODING, ctypes.addressof(b), len(b), 0, HANDLE),
                CERT_CONTEXT.size,
            )
            for b in self.buffers
        ]
        self.error = error
        self.opened: list[tuple[Any, ...]] = []
        self.closed: list[tuple[int, int]] = []
        self.callbacks = (OPEN(self._open), ENUM(self._enum), CLOSE(self._close))
        self.dll = SimpleNamespace(
            **{
                name: ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.cast(c, ctypes.c_void_p).value)
                for name, c in zip(
                    ("CertOpenStore", "CertEnumCertificatesInStore", "CertCloseStore"),
                    self.callbacks,
                    strict=True,
                )
            }
        )

    def _open(self, provider: int, encoding: int, prov: int, flags: int, name: int) -> int | None:
        self.opened.append((provider, encoding, prov, flags, ctypes.wstring_at(name)))
        return None if self.error else HANDLE

    def _enum(self, handle: int, previous: int | None) -> int | None:
        assert handle == HANDLE
        addresses = [ctypes.addressof(c) for c in self.contexts]
        at = 0 if not previous else addresses.index(previous) + 1
        return addresses[at] if at < len(addresses) else None

    def _close(self, handle: int, flags: int) -> int:
        self.closed.append((handle, flags))
        return 1


class Library(wincrypt.Crypt32):
    def __init__(self, stand_in: StandInCrypt32) -> None:
        super().__init__(stand_in.dll)
        self.stand_in = stand_in

    def last_error(self) -> int:
        return self.stand_in.error


def test_crypt32_reads_every_certificate_of_one_registry_store_read_only() -> None:
    stand_in = StandInCrypt32([b"\x30\x03\x02\x01\x01", b"\x30\x00"])
    assert wincrypt.stored_certificates("user", "Root", Library(stand_in)) == [
        b"\x30\x03\x02\x01\x01",
        b"\x30\x00",
    ]
    # CERT_STORE_PROV_SYSTEM_REGISTRY_W (13): one physical store, no collection; flags
    # CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG
    assert stand_in.opened == [(13, 0, 0, 0x10000 | 0x4000 | 0x8000, "Root")]
    assert stand_in.closed == [(HANDLE, 0)]


def test_crypt32_machine_location_and_a_store_never_created() -> None:
    stand_in = StandInCrypt32([], error=2)  # ERROR_FILE_NOT_FOUND
    assert wincrypt.stored_certificates("machine", "My", Library(stand_in)) == []
    assert stand_in.opened[0][3] & 0x00FF0000 == 0x20000 and stand_in.closed == []


def test_crypt32_other_failures_are_an_os_error_with_the_code() -> None:
    with pytest.raises(OSError) as raised:
        wincrypt.stored_certificates("user", "Root", Library(StandInCrypt32([], error=5)))
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
