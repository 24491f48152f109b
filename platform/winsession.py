"""Three facts about this Windows session, read as numbers before a store step runs.

- Is there a desktop a dialog can appear on? The window station's WSF_VISIBLE flag, the test
  .NET's Environment.UserInteractive makes. Without it (a service, an ssh session) Windows cannot
  show the root-store confirmation and the call fails as if No had been answered
  (dotnet/corefx#25306, PowerShell#7748, OctopusDeploy/Issues#3347).
- Does policy forbid user roots? HKLM\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\Root\\
  ProtectedRoots, DWORD `Flags`, bit CERT_PROT_ROOT_DISABLE_CURRENT_USER_FLAG (0x1): Windows then
  ignores the user's own Root store. What certutil returns under that policy was never recorded,
  so the policy itself is read, not guessed from a failure's text.
- Does this process run elevated? shell32's IsUserAnAdmin ("Returns TRUE if the user is a
  member of the Administrator's group"; Microsoft: a wrapper for CheckTokenMembership, which asks
  whether the SID is enabled in this process's token, so under UAC: started with Run as
  administrator). LocalMachine stores need it: certutil fails there with 0x80070005 otherwise.
Off Windows (and when Windows cannot answer) the first two say "not known to be blocked" and the
third says "not elevated".
"""

from __future__ import annotations

import ctypes
import sys

UOI_FLAGS = 1
WSF_VISIBLE = 0x0001
POLICY_KEY = r"SOFTWARE\Policies\Microsoft\SystemCertificates\Root\ProtectedRoots"
CERT_PROT_ROOT_DISABLE_CURRENT_USER_FLAG = 0x1


class UserObjectFlags(ctypes.Structure):
    _fields_ = (
        ("fInherit", ctypes.c_int),
        ("fReserved", ctypes.c_int),
        ("dwFlags", ctypes.c_uint32),
    )


def interactive_desktop() -> bool:
    if sys.platform != "win32":
        return True
    user32 = ctypes.WinDLL("user32", use_last_error=True)
    user32.GetProcessWindowStation.restype = ctypes.c_void_p
    station = user32.GetProcessWindowStation()
    flags, needed = UserObjectFlags(), ctypes.c_uint32()
    ok = user32.GetUserObjectInformationW(
        ctypes.c_void_p(station),
        UOI_FLAGS,
        ctypes.byref(flags),
        ctypes.sizeof(flags),
        ctypes.byref(needed),
    )
    return not ok or flags_visible(flags.dwFlags)


def flags_visible(flags: int) -> bool:
    return bool(flags & WSF_VISIBLE)


def elevated() -> bool:
    if sys.platform != "win32":
        return False
    try:
        return bool(ctypes.WinDLL("shell32").IsUserAnAdmin())
    except (OSError, AttributeError):
        return False


def user_roots_forbidden() -> bool:
    if sys.platform != "win32":
        return False
    import winreg

    try:
        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, POLICY_KEY) as key:
            value, kind = winreg.QueryValueEx(key, "Flags")
    except OSError:
        return False
    return policy_forbids(value if kind == winreg.REG_DWORD else 0)


def policy_forbids(flags: int) -> bool:
    return bool(flags & CERT_PROT_ROOT_DISABLE_CURRENT_USER_FLAG)
