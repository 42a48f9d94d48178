"""Only the optional C extension lives here; everything else is in pyproject.toml.

`sigap_core._hmac_many` (batch HMAC-SHA256 for the registry importer, on OpenSSL's libcrypto) is optional:
when it cannot be built (no compiler or no OpenSSL headers), installation goes on and the importer uses
the pure-Python path, with the same digests."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "sigap_core._hmac_many",
            sources=["sigap_core/_hmac_many.c"],
            libraries=["crypto"],
            optional=True,
        )
    ]
)
