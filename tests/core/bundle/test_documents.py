"""GIVEN JSON and YAML documents, WHEN their strings are searched for certificates and keys,
THEN PEM text and base64 of PEM or DER become named parts, and hostile documents (alias bombs,
deep nesting) cost little and raise nothing."""

from __future__ import annotations

import base64
import json
import time

import pytest
from clustertrust.core.bundle.documents import parts
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.source.load import SourceData
from support import pki


def test_escaped_pem_and_base64_der_are_named_by_their_place() -> None:
    ca = pki.make_ca("Vault Root")
    document = {"data": {"certificate": base64.b64encode(ca.cert_der).decode(),
                         "ca_chain": [ca.cert_pem.decode()], "serial_number": "01:02"}}  # fmt: skip
    found = parts("issue.json", json.dumps(document).encode())
    assert [name for name, _ in found] == [
        "issue.json (data.certificate)",
        "issue.json (data.ca_chain[0])",
    ]
    assert found[0][1] == ca.cert_der and found[1][1] == ca.cert_pem


def test_base64_of_something_else_and_plain_text_are_no_parts() -> None:
    noise = base64.b64encode(b"not a certificate at all, just words" * 3).decode()
    assert parts("s.yaml", f"kind: Secret\ndata:\n  password: {noise}\n".encode()) == []
    assert parts("vars", b"set_var EASYRSA_REQ_CN ChangeMe\n") == []
    assert parts("notes.txt", "caf\u00e9: a line of prose\n".encode("latin-1")) == []


def test_a_bundle_read_from_a_yaml_document_names_its_parts() -> None:
    ca = pki.make_ca("Cluster CA")
    client = pki.make_leaf(ca, "Client")
    secret = (
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n"
        f"  ca.crt: {base64.b64encode(ca.cert_pem).decode()}\n"
        f"  tls.crt: {base64.b64encode(client.cert_pem).decode()}\n"
        f"  tls.key: {base64.b64encode(client.key_pem()).decode()}\n"
    )
    bundle = read_bundle(SourceData("t", (("Secret.yaml", secret.encode()),)))
    assert bundle.client_cert is not None and bundle.has_key
    assert bundle.files == (
        "Secret.yaml (data.ca.crt)",
        "Secret.yaml (data.tls.crt)",
        "Secret.yaml (data.tls.key)",
    )


@pytest.mark.parametrize(
    "document",
    [
        "[" * 100_000 + "]" * 100_000,
        "a: " + "[" * 100_000 + "]" * 100_000,
        "{" + '"a":{' * 100_000 + "}" * 100_001,
    ],
    ids=["json-list", "yaml-flow", "json-object"],
)
def test_deep_nesting_raises_nothing(document: str) -> None:
    assert parts("deep", document.encode()) == []


def test_a_yaml_alias_bomb_is_read_once() -> None:
    """Nine levels of nine aliases name one string 387 million times."""
    blob = '"-----BEGIN CERTIFICATE-----' + "A" * 100_000 + '"'
    levels = [f"a0: &a0 [{blob}]"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)
    ]
    started = time.monotonic()
    found = parts("bomb.yaml", "\n".join(levels).encode())
    assert len(found) == 1
    assert time.monotonic() - started < 2
