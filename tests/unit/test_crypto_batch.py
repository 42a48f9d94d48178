"""The importer's column-at-a-time digests equal the one-at-a-time ones and the standard library's HMAC,
through the C extension and through the pure-Python fallback alike."""

from __future__ import annotations

import hmac
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigap_core import crypto
from sigap_core.crypto import Hasher

KEYS = [b"k" * 16, b"test-secret-key-not-for-production-0001", b"x" * 64, b"long key " * 20]


@pytest.fixture(params=["c", "python"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "c":
        if crypto._hmac_sha256_many is None:
            pytest.skip("sigap_core._hmac_many is not built here (no compiler or OpenSSL headers)")
    else:
        monkeypatch.setattr(crypto, "_hmac_sha256_many", None)
    return str(request.param)


def test_the_extension_is_built_where_it_can_be() -> None:
    """`pip install -e .` builds it where a C compiler and the OpenSSL headers exist (as on CI); losing it
    silently would cost the importer a quarter of its speed."""
    can_build = shutil.which("cc") is not None and any(
        Path(include, "openssl", "sha.h").exists() for include in ("/usr/include", "/usr/local/include")
    )
    if not can_build:
        pytest.skip("no C compiler or OpenSSL headers here: the importer uses the Python digest loop")
    assert crypto._hmac_sha256_many is not None, "reinstall (`pip install -e .`) to build sigap_core._hmac_many"


@pytest.mark.parametrize("key", KEYS, ids=["16", "39", "64", "180"])
def test_batch_digests_are_hmac_sha256(path: str, key: bytes) -> None:
    hasher = Hasher(key)
    messages = [b"", b"nik:3275095203690028", b"\x00\n\xff" * 30, b"y" * 1000]
    assert hasher._digests(messages) == [hmac.digest(key, m, "sha256") for m in messages]


@given(
    niks=st.lists(st.text("0123456789", min_size=1, max_size=20), max_size=30),
    tails=st.data(),
)
def test_column_forms_equal_the_single_forms(niks: list[str], tails: st.DataObject) -> None:
    for batch in (crypto._hmac_sha256_many, None):
        original = crypto._hmac_sha256_many
        crypto._hmac_sha256_many = batch
        try:
            hasher = Hasher(KEYS[1])
            digests = hasher.niks(niks)
            assert digests == [hasher.nik(n) for n in niks]
            assert all(isinstance(d, bytearray) for d in digests)
            endings = tails.draw(
                st.lists(st.text("0123456789", min_size=4, max_size=4), min_size=len(niks), max_size=len(niks))
            )
            assert hasher.kk4s(digests, endings) == [
                hasher.kk4(bytes(d), e) for d, e in zip(digests, endings, strict=True)
            ]
            phones = ["62" + n for n in niks]
            assert hasher.phones(phones) == [hasher.phone(p) for p in phones]
        finally:
            crypto._hmac_sha256_many = original


def test_the_extension_refuses_what_is_not_bytes() -> None:
    if crypto._hmac_sha256_many is None:
        pytest.skip("sigap_core._hmac_many is not built here")
    with pytest.raises(TypeError):
        crypto._hmac_sha256_many(b"k" * 16, ["text"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        crypto._hmac_sha256_many(b"k" * 16, 5)  # type: ignore[arg-type]
