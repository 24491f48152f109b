"""Bundles made by the PKI tools people use (Debian packages: gnutls-bin's certtool, easy-rsa,
strongswan-pki's pki, golang-cfssl, a JDK's keytool), and the proof that an installed identity
logs in to a real nginx demanding client certificates."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core.bundle import der

from support.servers import free_port, mtls_server_block, start_nginx


def need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/share/easy-rsa/{tool}" if tool == "easyrsa" else "")
    if not path or not Path(path).exists():
        pytest.skip(f"{tool} is not installed (scripts/dev installs it)")
    return path


def run(*argv: str, cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(
        argv, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{argv[0]} failed: {done.stderr}"
    return done.stdout


# --- GnuTLS certtool -------------------------------------------------------------------------

_TEMPLATES = {
    "ca": 'cn = "GnuTLS Test CA"\nca\ncert_signing_key\nexpiration_days = 30\n',
    "server": 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n'
    "tls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n",
    "client": 'cn = "Client One"\ntls_www_client\nsigning_key\nexpiration_days = 30\n',
}


def ec_scalar_length(key_der: bytes) -> int:
    """The length of an ECPrivateKey's privateKey OCTET STRING (SEC1 DER)."""
    octets = der.children(key_der)[1]
    _, start, end = der.read(octets, 0)
    return end - start


def certtool_key(folder: Path, name: str, leading_zero: bool) -> Path:
    """A P-256 key from certtool; with `leading_zero`, one whose scalar it wrote as 33 bytes
    (certtool does so for about half of all keys: tried until one comes, at most 40 times)."""
    certtool = need("certtool")
    path = folder / f"{name}.key"
    for _ in range(40):
        run(certtool, "--generate-privkey", "--key-type", "ecdsa", "--curve", "secp256r1",
            "--outfile", str(path), cwd=folder)  # fmt: skip
        if (ec_scalar_length(pem_der(path)) == 33) == leading_zero:
            return path
    raise AssertionError("certtool gave no key of the wanted shape in 40 tries")


def pem_der(pem_path: Path) -> bytes:
    """The DER of the first PEM block, after any text certtool prints before it."""
    text = pem_path.read_text()
    body = text[text.index("-----BEGIN") :].split("-----END")[0].splitlines()[1:]
    return base64.b64decode("".join(body))


def certtool_pki(folder: Path) -> dict[str, Path]:
    """A CA, a server and a client certificate signed by certtool; the client's key is one with
    a leading zero, also written as certtool's encrypted PKCS#8 (password `secret`), as DER, and
    with the client's certificate and the CA as certtool's PKCS#12 (password `secret`)."""
    certtool = need("certtool")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _TEMPLATES.items():
        (folder / f"{name}.tmpl").write_text(text)
    out = {name: certtool_key(folder, name, name == "client") for name in _TEMPLATES}
    run(certtool, "--generate-self-signed", "--load-privkey", str(out["ca"]),
        "--template", str(folder / "ca.tmpl"), "--outfile", str(folder / "ca.crt"),
        cwd=folder)  # fmt: skip
    for name in ("server", "client"):
        run(certtool, "--generate-certificate", "--load-privkey", str(out[name]),
            "--load-ca-certificate", str(folder / "ca.crt"), "--load-ca-privkey", str(out["ca"]),
            "--template", str(folder / f"{name}.tmpl"), "--outfile", str(folder / f"{name}.crt"),
            cwd=folder)  # fmt: skip
    run(certtool, "--to-p8", "--load-privkey", str(out["client"]), "--password", "secret",
        "--outfile", str(folder / "client.p8.pem"), cwd=folder)  # fmt: skip
    run(certtool, "-k", "--infile", str(out["client"]), "--outder",
        "--outfile", str(folder / "client.der"), cwd=folder)  # fmt: skip
    run(certtool, "--to-p12", "--load-privkey", str(out["client"]), "--load-certificate",
        str(folder / "client.crt"), "--load-ca-certificate", str(folder / "ca.crt"),
        "--p12-name", "client", "--password", "secret", "--outder",
        "--outfile", str(folder / "client.p12"), cwd=folder)  # fmt: skip
    return {
        "ca.crt": folder / "ca.crt",
        "server.crt": folder / "server.crt",
        "server.key": out["server"],
        "client.crt": folder / "client.crt",
        "client.key": out["client"],
        "client.p8.pem": folder / "client.p8.pem",
        "client.der": folder / "client.der",
        "client.p12": folder / "client.p12",
    }


# --- the proof against nginx -----------------------------------------------------------------


def logs_in(
    tmp: Path,
    capsys: pytest.CaptureFixture[str],
    source: Path,
    server: dict[str, Path],
    *extra: str,
) -> dict[str, object]:
    """Install `source` into the identity files, then verify it against nginx serving
    `server["cert"]`/`server["key"]` and demanding a client certificate from `server["ca"]`."""
    port = free_port()
    block = mtls_server_block(port, server["cert"], server["key"], server["ca"])
    nginx = start_nginx(tmp / "nginx", [block], [port])
    try:
        code = main(["install", str(source), "--yes", "--stores", "files", "--json", *extra])
        installed = capsys.readouterr()
        assert code == 0, installed.out + installed.err
        code = main(["verify", f"https://127.0.0.1:{port}/", "--trust", "bundle", "--json"])
        verified = json.loads(capsys.readouterr().out)
    finally:
        nginx.stop()
    assert code == 0, verified
    return dict(verified)


# --- easy-rsa --------------------------------------------------------------------------------


def easyrsa_pki(folder: Path, *algo: str) -> Path:
    """`easyrsa` as its README shows: a CA (its key under a passphrase), a server and client1,
    and client1's identity exported as private/client1.p12 under the password `secret`."""
    easyrsa = need("easyrsa")
    folder.mkdir(parents=True, exist_ok=True)
    env = {
        "EASYRSA_BATCH": "1",
        "EASYRSA_PASSIN": "pass:ca-pass",
        "EASYRSA_PASSOUT": "pass:ca-pass",
    }
    run_env(env, easyrsa, "init-pki", cwd=folder)
    run_env(env | {"EASYRSA_REQ_CN": "Easy-RSA CA"}, easyrsa, *algo, "build-ca", cwd=folder)
    san = "--subject-alt-name=DNS:localhost,IP:127.0.0.1"
    run_env(env, easyrsa, *algo, san, "build-server-full", "server", "nopass", cwd=folder)
    run_env(env, easyrsa, *algo, "build-client-full", "client1", "nopass", cwd=folder)
    run_env(env | {"EASYRSA_PASSOUT": "pass:secret"}, easyrsa, "export-p12", "client1", cwd=folder)
    return folder / "pki"


def run_env(env: dict[str, str], *argv: str, cwd: Path) -> None:
    import os

    done = subprocess.run(
        argv, cwd=cwd, env=os.environ | env, capture_output=True, text=True, timeout=120,
        stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv[0]} {argv[1:]} failed: {done.stdout}{done.stderr}"


def server_of(pki_folder: Path) -> dict[str, Path]:
    """easy-rsa's server certificate and key, with the CA that issued the client."""
    return {
        "cert": pki_folder / "issued/server.crt",
        "key": pki_folder / "private/server.key",
        "ca": pki_folder / "ca.crt",
    }


# --- RabbitMQ tls-gen ------------------------------------------------------------------------

# tls-gen is neither on PyPI nor in Debian: its `basic` profile is replayed here with the openssl
# commands it runs (rabbitmq/tls-gen 8152e35, tls_gen/gen.py generate_root_ca and
# generate_leaf_certificate_and_key_pair; extensions from basic/openssl.cnf; file names from
# copy_root_ca_certificate_and_key_pair and copy_leaf_certificate_and_key_pair).
_TLS_GEN_EXTENSIONS = """[ client_extensions ]
basicConstraints = CA:false
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:localhost
[ server_extensions ]
basicConstraints = CA:false
keyUsage = digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""


def tls_gen_result(folder: Path, cn: str = "localhost") -> Path:
    """tls-gen's result/ folder with no password (its default): the CA's certificate and key,
    and for server and client each a certificate, a key and a .p12 with the CA in it."""
    work = folder / "work"
    result = folder / "result"
    work.mkdir(parents=True)
    result.mkdir()
    (work / "ext.cnf").write_text(_TLS_GEN_EXTENSIONS)
    ca_cert, ca_key = result / "ca_certificate.pem", result / "ca_key.pem"
    run("openssl", "req", "-x509", "-days", "30", "-newkey", "rsa:2048", "-keyout", str(ca_key),
        "-out", str(ca_cert), "-outform", "PEM", "-subj", "/CN=TLSGenSelfSignedRootCA/L=$$$$/",
        "-nodes", cwd=work)  # fmt: skip
    for peer in ("server", "client"):
        name = f"{peer}_{cn}"
        cert, key = result / f"{name}_certificate.pem", result / f"{name}_key.pem"
        run("openssl", "genpkey", "-algorithm", "RSA", "-outform", "PEM", "-out", str(key),
            "-pkeyopt", "rsa_keygen_bits:2048", cwd=work)  # fmt: skip
        run("openssl", "req", "-new", "-key", str(key), "-out", str(work / "req.pem"),
            "-subj", f"/CN={cn}/O={peer}/L=$$$$/", "-nodes", cwd=work)  # fmt: skip
        run("openssl", "x509", "-req", "-days", "30", "-in", str(work / "req.pem"),
            "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
            "-extfile", str(work / "ext.cnf"), "-extensions", f"{peer}_extensions",
            cwd=work)  # fmt: skip
        run("openssl", "pkcs12", "-export", "-out", str(result / f"{name}.p12"), "-in", str(cert),
            "-inkey", str(key), "-certfile", str(ca_cert), "-passout", "pass:",
            cwd=work)  # fmt: skip
    shutil.rmtree(work)
    return result


# --- cfssl (golang-cfssl) --------------------------------------------------------------------

_CFSSL_CONFIG = {
    "signing": {
        "profiles": {
            peer: {"usages": ["signing", "key encipherment", f"{peer} auth"], "expiry": "720h"}
            for peer in ("client", "server")
        }
    }
}


def cfssl_pki(folder: Path) -> dict[str, Path]:
    """cfssl's quick start: `gencert -initca`, cfssljson -bare for the CA's files, and the
    client's and server's gencert output left as the JSON cfssl prints ({cert, csr, key})."""
    cfssl, cfssljson = need("cfssl"), need("cfssljson")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(_CFSSL_CONFIG))
    ca_request = {"CN": "cfssl CA", "key": {"algo": "ecdsa", "size": 256}}
    ca_json = run(cfssl, "gencert", "-initca", "-", cwd=folder, stdin=json.dumps(ca_request))
    run(cfssljson, "-bare", "ca", cwd=folder, stdin=ca_json)
    out = {"ca.pem": folder / "ca.pem", "ca-key.pem": folder / "ca-key.pem"}
    for peer, hosts in (("client", ""), ("server", "127.0.0.1,localhost")):
        request = {"CN": f"cfssl {peer}", "key": {"algo": "ecdsa", "size": 256}}
        answer = run(cfssl, "gencert", "-ca", "ca.pem", "-ca-key", "ca-key.pem",
                     "-config", "config.json", "-profile", peer, "-hostname", hosts, "-",
                     cwd=folder, stdin=json.dumps(request))  # fmt: skip
        (folder / f"{peer}.json").write_text(answer)
        out[f"{peer}.json"] = folder / f"{peer}.json"
    run(cfssljson, "-bare", "server", cwd=folder, stdin=out["server.json"].read_text())
    out |= {"server.pem": folder / "server.pem", "server-key.pem": folder / "server-key.pem"}
    return out


# --- Kubernetes and Vault layouts ------------------------------------------------------------
# Neither kubectl nor cert-manager nor Vault is packaged here: these documents are laid out as
# their references show, around PEM made by the caller. cert-manager: "kubernetes.io/tls Secret
# with ca.crt" (cert-manager.io docs, Certificate resource, `kubectl get secret -o yaml`);
# kubeconfig: Kubernetes docs "Organizing Cluster Access Using kubeconfig Files" (*-data fields
# are base64 of PEM); Vault: API docs, PKI secrets engine, "Generate certificate and key" (the
# response's data.certificate, issuing_ca, ca_chain, private_key, private_key_type, as JSON
# strings with escaped newlines, as `vault write -format=json pki/issue/ROLE` prints them).


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def cert_manager_secret(ca: bytes, cert: bytes, key: bytes) -> str:
    import yaml

    secret = {
        "apiVersion": "v1",
        "data": {"ca.crt": b64(ca), "tls.crt": b64(cert), "tls.key": b64(key)},
        "kind": "Secret",
        "metadata": {
            "annotations": {
                "cert-manager.io/certificate-name": "client",
                "cert-manager.io/issuer-kind": "Issuer",
                "cert-manager.io/issuer-name": "ca-issuer",
            },
            "name": "client-tls",
            "namespace": "default",
        },
        "type": "kubernetes.io/tls",
    }
    return yaml.safe_dump(secret, default_flow_style=False)


def kubeconfig(ca: bytes, cert: bytes, key: bytes, server: str) -> str:
    import yaml

    config = {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": b64(ca), "server": server},
                      "name": "kind-kind"}],
        "contexts": [{"context": {"cluster": "kind-kind", "user": "kind-kind"},
                      "name": "kind-kind"}],
        "current-context": "kind-kind",
        "kind": "Config",
        "preferences": {},
        "users": [{"name": "kind-kind",
                   "user": {"client-certificate-data": b64(cert), "client-key-data": b64(key)}}],
    }  # fmt: skip
    return yaml.safe_dump(config, default_flow_style=False)


def vault_issue(cert: bytes, issuing_ca: bytes, chain: list[bytes], key: bytes) -> str:
    answer = {
        "request_id": "0c5ef7a2-7b6f-5b1c-9a39-4f1bd2d6b8b1",
        "lease_id": "",
        "lease_duration": 0,
        "renewable": False,
        "data": {
            "certificate": cert.decode(),
            "expiration": 1798761600,
            "issuing_ca": issuing_ca.decode(),
            "ca_chain": [c.decode() for c in chain],
            "private_key": key.decode(),
            "private_key_type": "rsa",
            "serial_number": "39:dd:2e:90:b7:23:1f:8d:d3:7d:31:c5:1b:da:84:d0:5b:65:31:58",
        },
        "warnings": None,
    }
    return json.dumps(answer, indent=2)


# --- a JDK's keytool -------------------------------------------------------------------------


def keytool_identity(folder: Path, ca_cert: Path, ca_key: Path, storetype: str) -> Path:
    """A client identity as a Java team keeps it: keytool makes the key pair in a JKS or JCEKS
    keystore (store and key password `changeit`), the CA (openssl here) signs keytool's request,
    and keytool imports the CA and the signed certificate back."""
    keytool = need("keytool")
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / f"client.{storetype.lower()}"
    common = ["-keystore", str(store), "-storepass", "changeit", "-storetype", storetype]
    run(keytool, "-genkeypair", "-alias", "client", "-keyalg", "RSA", "-keysize", "2048",
        "-dname", "CN=Java Client", "-keypass", "changeit", "-validity", "30", *common,
        cwd=folder)  # fmt: skip
    run(keytool, "-certreq", "-alias", "client", "-file", "client.csr", *common, cwd=folder)
    (folder / "client.ext").write_text("extendedKeyUsage = clientAuth\n")
    run("openssl", "x509", "-req", "-in", "client.csr", "-CA", str(ca_cert), "-CAkey",
        str(ca_key), "-CAcreateserial", "-out", "client.crt", "-days", "30",
        "-extfile", "client.ext", cwd=folder)  # fmt: skip
    run(keytool, "-importcert", "-noprompt", "-alias", "ca", "-file", str(ca_cert), *common,
        cwd=folder)  # fmt: skip
    run(keytool, "-importcert", "-alias", "client", "-file", "client.crt", *common, cwd=folder)
    return store


# --- strongSwan pki (strongswan-pki with libstrongswan-standard-plugins) ---------------------


def strongswan_pki(folder: Path) -> dict[str, Path]:
    """An Ed25519 CA, client and 127.0.0.1 server, as strongSwan's pki documentation makes them
    (--gen, --self --ca, --pub, --issue), in PEM."""
    tool = need("pki")
    folder.mkdir(parents=True, exist_ok=True)
    pem = ["--outform", "pem"]

    def pki_to(name: str, *argv: str) -> Path:
        (folder / name).write_text(run(tool, *argv, *pem, cwd=folder))
        return folder / name

    pki_to("ca.key", "--gen", "--type", "ed25519")
    pki_to("ca.crt", "--self", "--ca", "--lifetime", "30", "--in", "ca.key",
           "--dn", "CN=strongSwan Ed25519 CA")  # fmt: skip
    issue = ["--issue", "--cacert", "ca.crt", "--cakey", "ca.key", "--type", "pub",
             "--lifetime", "30"]  # fmt: skip
    peers = {
        "client": ["--dn", "CN=strongSwan Client", "--flag", "clientAuth"],
        "server": ["--dn", "CN=localhost", "--san", "127.0.0.1", "--flag", "serverAuth"],
    }
    for peer, names in peers.items():
        pki_to(f"{peer}.key", "--gen", "--type", "ed25519")
        pki_to(f"{peer}.pub", "--pub", "--in", f"{peer}.key")
        pki_to(f"{peer}.crt", *issue, "--in", f"{peer}.pub", *names)
    return {name: folder / name for name in ("ca.crt", "client.crt", "client.key",
                                              "server.crt", "server.key")}  # fmt: skip


def chromium_nss_db(home: Path) -> Path:
    """The NSS database Chromium keeps under ~/.pki/nssdb, made empty with certutil."""
    db = home / ".pki/nssdb"
    db.mkdir(parents=True)
    run("certutil", "-N", "-d", f"sql:{db}", "--empty-password", cwd=home)
    return db
