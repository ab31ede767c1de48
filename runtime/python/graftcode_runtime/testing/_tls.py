"""A self-signed certificate for TLS tests, made with the openssl tool."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed_cert(directory: str | Path) -> tuple[Path, Path]:
    """(certificate, key) for localhost and 127.0.0.1, valid for a day, written to
    `directory`; the certificate is also the CA a client trusts. Needs `openssl`."""
    d = Path(directory)
    key, crt = d / "key.pem", d / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(crt), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return crt, key
