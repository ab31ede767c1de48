"""`graftc serve` usage errors: exit 2 with one clear line, never a traceback."""

from __future__ import annotations

import pytest
from graftc.cli import main
from graftcode_runtime._limits import MIN_MAX_MESSAGE_SIZE


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
