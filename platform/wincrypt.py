"""What a Windows certificate store holds, asked of crypt32 directly (ctypes), never of certutil.

Why not certutil for reading: the labels of its listing are translated (the thumbprint's label
is `Hach. cert. (sha1) :` in French, `Zertifikathash(sha1):` in German), `-verifystore` verifies
rather than finds (it may fetch URLs), and CurrentUser\\Root as certutil shows it includes the
.LocalMachine physical store, so a machine-wide copy looks like the user's. CertOpenStore with
the SystemRegistry provider opens one physical store, "not opened as a collection store"
(Microsoft, CertOpenStore): for CurrentUser\\Root that is the user's own registry store. It hands
back each certificate's DER bytes, which callers match by SHA-256: numbers and bytes, no text.
This is not how mkcert opens it: mkcert (truststore_windows.go) calls CertOpenSystemStoreW(0,
"ROOT"), the system-store provider, whose Root is the collection view that includes the
.LocalMachine physical store, the very view avoided here. Read-only (no dialog can appear);
changes go through certutil, a child process that can be stopped when a confirmation is never
answered.

The C signatures below are wincrypt.h's (Microsoft: CertOpenStore, CertEnumCertificatesInStore,
CertCloseStore, CERT_CONTEXT); tests call them through real C function pointers of those
prototypes, but only Windows can say that crypt32 answers as documented (README).
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from typing import Any

CERT_STORE_PROV_SYSTEM_REGISTRY_W = 13
CERT_SYSTEM_STORE_CURRENT_USER = 1 << 16
CERT_SYSTEM_STORE_LOCAL_MACHINE = 2 << 16
CERT_STORE_OPEN_EXISTING_FLAG = 0x4000
CERT_STORE_READONLY_FLAG = 0x8000
ERROR_FILE_NOT_FOUND = 2
LOCATIONS = {"user": CERT_SYSTEM_STORE_CURRENT_USER, "machine": CERT_SYSTEM_STORE_LOCAL_MACHINE}


class CertContext(ctypes.Structure):
    _fields_ = (
        ("dwCertEncodingType", ctypes.c_uint32),
        ("pbCertEncoded", ctypes.POINTER(ctypes.c_ubyte)),
        ("cbCertEncoded", ctypes.c_uint32),
        ("pCertInfo", ctypes.c_void_p),
        ("hCertStore", ctypes.c_void_p),
    )


CertContextPointer = ctypes.POINTER(CertContext)


def stored_certificates(location: str, store: str, lib: Any = None) -> list[bytes]:
    """DER bytes of every certificate in one registry store ("user"/"machine", "Root"/"My").

    A store that was never created holds nothing; any other failure raises OSError(code).
    """
    lib = lib or Crypt32()
    flags = LOCATIONS[location] | CERT_STORE_OPEN_EXISTING_FLAG | CERT_STORE_READONLY_FLAG
    handle = lib.CertOpenStore(CERT_STORE_PROV_SYSTEM_REGISTRY_W, 0, None, flags, store)
    if not handle:
        code = lib.last_error()
        if code == ERROR_FILE_NOT_FOUND:
            return []
        raise OSError(code, f"CertOpenStore({location}\\{store}) failed with error {code}")
    try:
        return list(_encodings(lib, handle))
    finally:
        lib.CertCloseStore(handle, 0)


def _encodings(lib: Any, handle: Any) -> Iterator[bytes]:
    # Passing the previous context frees it; the last call returns NULL.
    context = lib.CertEnumCertificatesInStore(handle, None)
    while context:
        cert = context.contents
        yield ctypes.string_at(cert.pbCertEncoded, cert.cbCertEncoded)
        context = lib.CertEnumCertificatesInStore(handle, context)


class Crypt32:
    """The three crypt32.dll functions used here, with their C signatures (Windows only; a test
    passes a stand-in `dll` whose functions are C function pointers)."""

    def __init__(self, dll: Any = None) -> None:
        if dll is None:
            if sys.platform != "win32":
                raise OSError("crypt32 is part of Windows")
            dll = ctypes.WinDLL("crypt32", use_last_error=True)
        self.CertOpenStore = dll.CertOpenStore
        self.CertOpenStore.restype = ctypes.c_void_p
        self.CertOpenStore.argtypes = (
            ctypes.c_void_p,
            ctypes.c_uint32,
            ctypes.c_void_p,
            ctypes.c_uint32,
            ctypes.c_wchar_p,
        )
        self.CertEnumCertificatesInStore = dll.CertEnumCertificatesInStore
        self.CertEnumCertificatesInStore.restype = CertContextPointer
        self.CertEnumCertificatesInStore.argtypes = (ctypes.c_void_p, CertContextPointer)
        self.CertCloseStore = dll.CertCloseStore
        self.CertCloseStore.argtypes = (ctypes.c_void_p, ctypes.c_uint32)

    def last_error(self) -> int:
        if sys.platform == "win32":
            return ctypes.get_last_error()
        return 0
