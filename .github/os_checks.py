"""Questions only a real Windows or Mac can answer, asked on the CI runner; it prints, never fails.

Run by the Windows and macOS jobs of .github/workflows/build.yml (`python .github/os_checks.py`).
Each check prints `CHECK <name>: <what was seen>` with exit codes, OSStatus numbers and bytes, so
that the first real run settles what README ("What was verified how") lists as open. Everything
it adds goes into a throw-away keychain or is removed again; the runner is discarded afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

from clustertrust.core import certinfo
from clustertrust.platform.store import legacy_p12
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PASSWORD = "check-only"
TIMEOUT = 60  # a dialog nobody answers on a runner


def say(name: str, seen: object) -> None:
    print(f"CHECK {name}: {seen}", flush=True)


def run(argv: Sequence[str], timeout: float = TIMEOUT) -> str:
    """Exit code, then stdout and stderr as bytes (their encoding is one of the questions)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    except OSError as error:
        return f"did not start: {error!r}"
    code, out, err = done.returncode, done.stdout[:300], done.stderr[:300]
    return f"exit {code} (0x{code & 0xFFFFFFFF:08X}) out={out!r} err={err!r}"


def check(name: str, action: Callable[[], object]) -> None:
    try:
        say(name, action())
    except Exception:  # a check reports; it never stops the others
        say(name, "raised " + traceback.format_exc(limit=2).replace("\n", " | "))


Identity = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def certificate(name: str, issuer: Identity | None) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    signer_name, signer_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    return builder.sign(signer_key, hashes.SHA256()), key


def files(folder: Path) -> tuple[Path, Path, str, str]:
    """ca.pem and a legacy client.p12 (as the adapters make it); their SHA-1 thumbprints."""
    ca, ca_key = certificate("clustertrust-os-check-ca", None)
    client, client_key = certificate("clustertrust-os-check-client", (ca, ca_key))
    (folder / "ca.pem").write_bytes(certinfo.to_pem(ca))
    bundle = SimpleNamespace(client_cert=client, private_key=client_key)
    (folder / "client.p12").write_bytes(legacy_p12(bundle, "check", PASSWORD))
    return folder / "ca.pem", folder / "client.p12", certinfo.sha1(ca), certinfo.sha1(client)


def macos(folder: Path) -> None:
    ca, p12, ca_sha1, client_sha1 = files(folder)
    keychain, out = str(folder / "check.keychain-db"), str(folder / "out.p12")

    def security(*args: str) -> str:
        return run(("/usr/bin/security", *args))

    say("macOS version", run(("sw_vers", "-productVersion")))
    say("security error (macstatus.py)", security("error", "-25263", "-25293", "-25264", "-60006"))
    security("create-keychain", "-p", PASSWORD, keychain)
    security("unlock-keychain", "-p", PASSWORD, keychain)
    say("user trust settings exist", security("trust-settings-export", str(folder / "u.plist")))
    security("add-certificates", "-k", keychain, str(ca))
    say(
        "delete-certificate -t without user trust settings (issue 23: expect exit 81, kept)",
        security("delete-certificate", "-t", "-Z", ca_sha1.upper(), keychain),
    )
    listing = security("find-certificate", "-a", "-Z", keychain)
    say("the CA is still in the keychain after that", ca_sha1.upper() in listing)
    say("delete-certificate", security("delete-certificate", "-Z", ca_sha1.upper(), keychain))
    say("remove-trusted-cert without a trust setting", security("remove-trusted-cert", str(ca)))
    for flags in ((), ("-x",)):
        said = " ".join(flags) or "without -x"
        imported = security(
            "import", str(p12), "-k", keychain, "-f", "pkcs12", *flags, "-P", PASSWORD
        )
        say(f"import {said}", imported)
        exported = security(
            "export", "-k", keychain, "-t", "identities", "-f", "pkcs12", "-P", PASSWORD, "-o", out
        )
        say(f"export of the key imported {said} (a failure means not extractable)", exported)
        say("delete-identity", security("delete-identity", "-Z", client_sha1.upper(), keychain))
    wrong = security("import", str(p12), "-k", keychain, "-f", "pkcs12", "-P", "wrong")
    say("import with a wrong passphrase (errSecAuthFailed or -25264's message?)", wrong)
    trust = ("add-trusted-cert", "-r", "trustRoot", "-p", "ssl", "-k", keychain, str(ca))
    say("user trust with nobody to answer the dialog", security(*trust))
    admin = ("sudo", "-n", "/usr/bin/security", trust[0], "-d", *trust[1:])
    say("admin trust as root (sudo -n) with nobody to answer", run(admin))
    run(("sudo", "-n", "/usr/bin/security", "remove-trusted-cert", "-d", str(ca)))
    security("remove-trusted-cert", str(ca))
    security("delete-keychain", keychain)


def windows(folder: Path) -> None:
    import ctypes

    from clustertrust.platform import wincrypt, winsession

    certutil = str(Path(os.environ.get("SYSTEMROOT", r"C:\Windows")) / "System32" / "certutil.exe")
    ca, p12, ca_sha1, client_sha1 = files(folder)
    kernel32 = ctypes.WinDLL("kernel32")
    check("Windows version", lambda: sys.getwindowsversion())
    check("OEM and ANSI code pages", lambda: (kernel32.GetOEMCP(), kernel32.GetACP()))
    check("interactive desktop (WSF_VISIBLE)", winsession.interactive_desktop)
    check("elevated (IsUserAnAdmin)", winsession.elevated)
    check("user roots forbidden by policy", winsession.user_roots_forbidden)
    check("redirected output bytes", lambda: run((certutil, "-user", "-store", "My")))
    check(
        "redirected output bytes with -Unicode",
        lambda: run((certutil, "-Unicode", "-user", "-store", "My")),
    )
    check(
        "-delstore of a thumbprint that is not there (the adapter assumes CRYPT_E_NOT_FOUND)",
        lambda: run((certutil, "-user", "-delstore", "My", "00" * 20)),
    )
    keys = [Path(os.environ["APPDATA"]) / "Microsoft" / "Crypto" / d for d in ("Keys", "RSA")]

    def key_files() -> set[str]:
        return {str(p) for d in keys if d.exists() for p in d.rglob("*") if p.is_file()}

    before = key_files()
    check(
        "-importPFX with NoRoot,NoExport",
        lambda: run(
            (certutil, "-user", "-p", PASSWORD, "-importPFX", "My", str(p12), "NoRoot,NoExport")
        ),
    )
    imported = key_files() - before
    check("key files the import added", lambda: sorted(imported))
    check(
        "crypt32 sees the identity in CurrentUser\\My",
        lambda: any(
            certinfo.sha1(x509.load_der_x509_certificate(der)) == client_sha1
            for der in wincrypt.stored_certificates("user", "My")
        ),
    )
    check(
        "the NoExport key can be exported (expect a failure)",
        lambda: run(
            (
                "powershell",
                "-NoProfile",
                "-Command",
                f"$p = ConvertTo-SecureString -String x -Force -AsPlainText; "
                f"Export-PfxCertificate -Cert Cert:\\CurrentUser\\My\\{client_sha1} "
                f"-FilePath {folder / 'out.pfx'} -Password $p",
            )
        ),
    )
    check(
        "-delstore of the identity",
        lambda: run((certutil, "-user", "-delstore", "My", client_sha1)),
    )
    check("key files left after -delstore", lambda: sorted(imported & key_files()))
    check(
        "machine -addstore Root (no dialog expected)",
        lambda: run((certutil, "-addstore", "Root", str(ca))),
    )
    check(
        "user -addstore Root for a CA already there via .LocalMachine (nobody answers)",
        lambda: run((certutil, "-user", "-addstore", "Root", str(ca))),
    )
    check(
        "crypt32: the CA in the user's own Root registry store afterwards",
        lambda: any(
            certinfo.sha1(x509.load_der_x509_certificate(der)) == ca_sha1
            for der in wincrypt.stored_certificates("user", "Root")
        ),
    )
    check("machine -delstore Root", lambda: run((certutil, "-delstore", "Root", ca_sha1)))
    check(
        "user -delstore Root (nobody answers)",
        lambda: run((certutil, "-user", "-delstore", "Root", ca_sha1)),
    )
    say("the exit code for No in the Root dialog", "not answerable here: it needs a person")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        if sys.platform == "darwin":
            macos(Path(folder))
        elif sys.platform == "win32":
            windows(Path(folder))
        else:
            say("platform", f"{sys.platform}: nothing to ask here")
    return 0


if __name__ == "__main__":
    sys.exit(main())
