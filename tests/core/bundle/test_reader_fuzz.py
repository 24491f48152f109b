"""Property: whatever bytes arrive, the reader returns a Bundle or raises its own BundleError."""

from __future__ import annotations

import functools

from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import BundleError
from clustertrust.core.source.load import SourceData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import pki


@functools.cache
def seeds() -> tuple[bytes, ...]:
    kurrent = pki.kurrent_bundle("fuzz", "p256")
    files = kurrent.files()
    return (
        pki.tar_bytes(files),
        pki.tar_bytes(files, compression=""),
        pki.zip_bytes(files, folder="sub/"),
        files["bundle.p12"],
        files["ca.crt"] + files["tls.crt"] + files["tls.key"],
        kurrent.ca.cert_der,
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        else:
            other = draw(st.sampled_from(seeds()))
            data[at:] = other[draw(st.integers(0, len(other) - 1)) :]
    return bytes(data)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), password=st.one_of(st.none(), st.text(max_size=8)))
def test_mutated_input_gives_bundle_or_bundle_error(data: bytes, password: str | None) -> None:
    try:
        result = read_bundle(SourceData("fuzz", (("input", data),)), password=password)
    except BundleError as error:
        assert error.message and error.fix
    else:
        assert isinstance(result, Bundle)
