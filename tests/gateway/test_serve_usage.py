"""`graftc serve` usage errors: exit 2 with one clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftc.cli import main
from graftcode_runtime.protocol._limits import MIN_MAX_MESSAGE_SIZE


@pytest.mark.parametrize("size", ["1024", str(MIN_MAX_MESSAGE_SIZE - 1)])
def test_max_message_size_below_the_handshake_floor_is_a_usage_error(
    size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "calculator", "--tcp", "127.0.0.1:0", "--max-message-size", size])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--max-message-size must be at least {MIN_MAX_MESSAGE_SIZE}" in err
    assert "Traceback" not in err


def test_a_taken_port_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main(["serve", "calculator", "--tcp", f"127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"--tcp 127.0.0.1:{port}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["--grace", "-1"], 2, "--grace"),
        (["--max-workers", "0"], 2, "--max-workers"),
        (["--tcp", "no-such-host.invalid:0"], 2, "--tcp no-such-host.invalid"),
        (["--tls-cert", "missing.pem", "--tls-key", "missing.key"], 1, "missing.pem"),
    ],
)
def test_bad_options_are_named_not_internal_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, says: str
) -> None:
    # --grace -1 and --max-workers 0 used to crash with "internal error" (exit 70), and a bad
    # host or TLS file printed a bare OS error naming neither the option nor the file.
    args = ["serve", "calculator", *argv]
    if "--tcp" not in argv:
        args += ["--tcp", "127.0.0.1:0"]
    assert main(args) == code
    err = capsys.readouterr().err
    assert says in err and "internal error" not in err


def test_a_file_that_is_not_a_certificate_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bogus = tmp_path / "cert.pem"
    bogus.write_text("not a certificate\n")
    code = main(
        [
            "serve",
            "calculator",
            "--tcp",
            "127.0.0.1:0",
            "--tls-cert",
            str(bogus),
            "--tls-key",
            str(bogus),
        ]
    )
    assert code == 1
    assert str(bogus) in capsys.readouterr().err
