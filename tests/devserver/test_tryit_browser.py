"""Vision's "Try it" in headless Chromium against a real `graftc serve`: the form of a function
with a record argument is filled and called through the TypeScript runtime over WebSocket; a
declared error shows its type and fields; an instance is created, used and released; a deep
link renders and scrolls to its member; the MCP panel shows the endpoint; streaming members
(tests/typescript/fixtures/tsstream.py) start, show their items, end, fail with a typed error
after some items, and stop (closing the hosted generator); a client stream is sent from a list
editor. Screenshots are kept
in the test's tmp dir and copied to `test-output/vision/` (ignored by git)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cdp import Browser, have_chromium
from .gateway_proc import Gateway, start_gateway

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not have_chromium(), reason="needs chromium (make system-deps)"),
]

FIXTURE = Path(__file__).parents[1] / "gateway" / "mcpfixture.py"
STREAMS = Path(__file__).parents[1] / "typescript" / "fixtures" / "tsstream.py"
ARTIFACTS = Path(__file__).parents[2] / "test-output" / "vision"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, Browser, Path]]:
    root = tmp_path_factory.mktemp("tryit")
    shutil.copy(FIXTURE, root / "mcpfixture.py")
    gw = start_gateway(root / "mcpfixture.py", root / "cache")
    browser = Browser(root / "chromium-profile")
    shots = root / "screenshots"
    shots.mkdir()
    try:
        yield gw, browser, shots
    finally:
        browser.close()
        gw.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for shot in shots.glob("*.png"):
            shutil.copy(shot, ARTIFACTS / shot.name)


@pytest.fixture(scope="module")
def streamed(served: tuple[Gateway, Browser, Path]) -> Iterator[tuple[Gateway, Browser, Path]]:
    """A gateway hosting the streaming fixture, driven by the same browser."""
    _, browser, shots = served
    root = shots.parent / "streams"
    root.mkdir()
    shutil.copy(STREAMS, root / "tsstream.py")
    gw = start_gateway(root / "tsstream.py", root / "cache")
    try:
        yield gw, browser, root
    finally:
        gw.stop()


def _outcome(browser: Browser, member: str) -> str:
    """The outcome text of the member's form, once the call has answered."""
    query = f"document.querySelector('form.tryit[data-member=\"{member}\"] .outcome')"
    deadline = time.monotonic() + 30
    while True:
        state = browser.eval(f"{query}.className")
        if state != "outcome" and state is not None:
            return str(browser.eval(f"{query}.innerText"))
        assert time.monotonic() < deadline, "the call never answered"
        time.sleep(0.05)


def _open(browser: Browser, member: str) -> str:
    browser.click(f'li[data-member="{member}"] button.try')
    return f'form.tryit[data-member="{member}"]'


def test_record_argument_result_and_declared_error(served: tuple[Gateway, Browser, Path]) -> None:
    gw, browser, shots = served
    browser.goto(gw.http + "/")
    form = _open(browser, "mcpfixture.mcpfixture.area")
    browser.type_text(f'{form} input[name="shape.name"]', "square")
    for _ in range(4):
        browser.click(f"{form} fieldset.record > .param:nth-of-type(2) button.add")
    for i, (x, y) in enumerate([(0, 0), (3, 0), (3, 3), (0, 3)]):
        browser.type_text(f'{form} input[name="shape.points[{i}].x"]', str(x))
        browser.type_text(f'{form} input[name="shape.points[{i}].y"]', str(y))
    browser.click(f"{form} button.call")
    text = _outcome(browser, "mcpfixture.mcpfixture.area")
    assert text.startswith("OK (status 0) in ") and "9" in text.split("\n", 1)[1], text
    browser.screenshot(shots / "tryit-result.png")

    # the JSON escape hatch, and a declared error with its type, fields and status
    browser.eval(
        f"document.querySelector('{form} details.json-entry').open = true;"
        f"document.querySelector('{form} textarea.json').value = "
        + json.dumps(json.dumps({"kwargs": {"shape": {"name": "dot", "points": []}}}))
    )
    browser.click(f"{form} button.call")
    text = _outcome(browser, "mcpfixture.mcpfixture.area")
    assert (
        browser.eval(f"document.querySelector('{form} .error-type').textContent") == "TooFewPoints"
    )
    fields = json.loads(browser.eval(f"document.querySelector('{form} .error-fields').textContent"))
    assert fields == {"name": "dot", "points": 0}
    assert text.startswith("UNKNOWN (status 2) in "), text
    browser.screenshot(shots / "tryit-error.png")


def test_instances_are_created_used_and_released(served: tuple[Gateway, Browser, Path]) -> None:
    gw, browser, shots = served
    browser.goto(gw.http + "/")
    create = _open(browser, "mcpfixture.Canvas.constructor")
    browser.type_text(f'{create} input[name="width"]', "5")
    browser.click(f"{create} button.call")
    assert "Canvas#" in _outcome(browser, "mcpfixture.Canvas.constructor")
    draw = _open(browser, "mcpfixture.Canvas.draw")
    browser.type_text(f'{draw} input[name="shape.name"]', "line")
    browser.click(f"{draw} button.call")
    assert _outcome(browser, "mcpfixture.Canvas.draw").split("\n")[-1] == "0"
    assert browser.eval("document.querySelectorAll('.instances li').length") == 1
    title = _open(browser, "mcpfixture.Canvas.title")  # a mutable property: set, then get
    browser.click(f"{title} input.use-default")
    browser.type_text(f'{title} input[name="value"]', "hello")
    browser.click(f"{title} button.call")
    assert _outcome(browser, "mcpfixture.Canvas.title").startswith("OK (status 0)")
    browser.click(f"{title} input.use-default")
    browser.eval(f"document.querySelector('{title} .outcome').className = 'outcome'")
    browser.click(f"{title} button.call")
    assert _outcome(browser, "mcpfixture.Canvas.title").split("\n")[-1] == '"hello"'
    browser.click(".instances button.release")
    assert browser.eval("document.querySelectorAll('.instances li').length") == 0
    browser.screenshot(shots / "tryit-instances.png")


def test_deep_link_renders_and_scrolls_to_the_member(served: tuple[Gateway, Browser, Path]) -> None:
    gw, browser, shots = served
    browser.goto("about:blank")  # a fresh load, not a fragment change of the page already open
    browser.goto(gw.http + "/#m-mcpfixture-Canvas-draw")
    top = browser.eval(
        "document.getElementById('m-mcpfixture-Canvas-draw').getBoundingClientRect().top"
    )
    assert browser.eval("window.scrollY") > 0 and 0 <= top < browser.eval("window.innerHeight")
    assert browser.eval("document.body.innerText.length") > 1000
    assert browser.eval("document.querySelector('li.member.selected').dataset.member") == (
        "mcpfixture.Canvas.draw"
    )
    assert browser.eval("document.querySelector('.mcp-url').textContent") == gw.http + "/mcp"
    browser.screenshot(shots / "deep-link.png")
    assert (shots / "deep-link.png").stat().st_size > 10_000
    browser.eval("location.hash = '#m-mcpfixture-mcpfixture-area'")  # only the fragment changes
    selected = "document.querySelector('li.member.selected').dataset.member"
    deadline = time.monotonic() + 10  # hashchange is dispatched after the assignment returns
    while browser.eval(selected) != "mcpfixture.mcpfixture.area":
        assert time.monotonic() < deadline, browser.eval(selected)
        time.sleep(0.05)


def test_calls_need_the_gateways_token_when_it_requires_one(tmp_path: Path) -> None:
    """The page is fetched with the token (every HTTP route needs it), but the calls go over
    WebSocket and carry the token only when it is typed into the page."""
    token = "tryit-browser-token-0123456789"
    shutil.copy(FIXTURE, tmp_path / "mcpfixture.py")
    gw = start_gateway(
        tmp_path / "mcpfixture.py", tmp_path / "cache", options=("--auth-token", token)
    )
    browser = Browser(tmp_path / "chromium-profile")
    try:
        browser.send("Network.enable")
        browser.send("Network.setExtraHTTPHeaders", headers={"Authorization": f"Bearer {token}"})
        browser.goto(gw.http + "/")
        member = "mcpfixture.Canvas.blank"
        form = _open(browser, member)
        browser.type_text(f'{form} input[name="width"]', "2")
        browser.click(f"{form} button.call")
        assert "UNAUTHENTICATED" in _outcome(browser, member)
        browser.type_text("#tryit-token", token)
        browser.eval(f"document.querySelector('{form} .outcome').className = 'outcome'")
        browser.click(f"{form} button.call")
        assert _outcome(browser, member).startswith("OK (status 0)")
    finally:
        browser.close()
        gw.stop()


def _stream_end(browser: Browser, member: str) -> tuple[str, str]:
    """(class, status text) of the member's stream once it has ended, failed or been cancelled."""
    query = f"document.querySelector('form.tryit[data-member=\"{member}\"] .outcome')"
    deadline = time.monotonic() + 30
    while (state := browser.eval(f"{query}.className")) in (None, "outcome", "outcome streaming"):
        assert time.monotonic() < deadline, "the stream never ended"
        time.sleep(0.05)
    return str(state).split()[-1], str(browser.eval(f"{query}.querySelector('.status').innerText"))


def _fresh(streamed: tuple[Gateway, Browser, Path]) -> tuple[Browser, Path]:
    """The streaming fixture's page, freshly loaded (no form open yet)."""
    gw, browser, root = streamed
    browser.goto(gw.http + "/")
    return browser, root


def _items(browser: Browser, form: str) -> list[str]:
    return list(
        browser.eval(
            f"[...document.querySelectorAll('{form} ol.stream-items pre.result')]"
            ".map((e) => e.textContent)"
        )
    )


def test_a_server_stream_shows_its_items_and_its_end(
    streamed: tuple[Gateway, Browser, Path],
) -> None:
    browser, root = _fresh(streamed)
    member = "tsstream.tsstream.count"
    form = _open(browser, member)
    assert browser.eval(f"document.querySelector('{form} button.call').textContent") == "Start"
    browser.type_text(f'{form} input[name="n"]', "25")
    browser.click(f"{form} button.call")
    state, status = _stream_end(browser, member)
    assert state == "ok" and status.startswith("ended (status 0) after 25 items"), status
    assert _items(browser, form) == [str(i) for i in range(5, 25)]  # the last 20 are kept
    shots = shots_dir(root)
    browser.screenshot(shots / "tryit-stream.png")

    # a declared error after some items: its type and fields, and how many items came first
    member = "tsstream.tsstream.fail_after"
    form = _open(browser, member)
    browser.type_text(f'{form} input[name="at"]', "3")
    browser.click(f"{form} button.call")
    state, status = _stream_end(browser, member)
    assert state == "error" and "(status 2) after 3 items" in status, status
    assert browser.eval(f"document.querySelector('{form} .error-type').textContent") == "TooFar"
    fields = json.loads(browser.eval(f"document.querySelector('{form} .error-fields').textContent"))
    assert fields == {"at": 3}
    assert _items(browser, form) == ["0", "1", "2"]
    browser.screenshot(shots / "tryit-stream-error.png")


def test_stop_cancels_a_long_stream_and_closes_the_generator(
    streamed: tuple[Gateway, Browser, Path],
) -> None:
    browser, root = _fresh(streamed)
    marker = root / "count-closed"
    member = "tsstream.tsstream.count"
    form = _open(browser, member)
    browser.type_text(f'{form} input[name="n"]', str(10**9))
    browser.click(f"{form} input.use-default")
    browser.type_text(f'{form} input[name="marker"]', str(marker))
    browser.click(f"{form} button.call")
    count = f"Number(document.querySelector('{form} .count')?.textContent || 0)"
    deadline = time.monotonic() + 30
    while browser.eval(count) < 100:  # items are arriving
        assert time.monotonic() < deadline, "no items arrived"
        time.sleep(0.05)
    assert not marker.exists()
    browser.click(f"{form} button.stop")
    state, status = _stream_end(browser, member)
    assert state == "cancelled" and status.startswith("cancelled after "), status
    deadline = time.monotonic() + 30
    while not marker.exists():  # the gateway closed the generator: its `finally` ran
        assert time.monotonic() < deadline, "the hosted generator was never closed"
        time.sleep(0.05)
    assert marker.read_text() == "closed"
    assert browser.eval(f"document.querySelector('{form} button.call').disabled") is False


def test_client_and_bidirectional_streams_send_a_list_editors_items(
    streamed: tuple[Gateway, Browser, Path],
) -> None:
    browser, root = _fresh(streamed)
    member = "tsstream.tsstream.total"
    form = _open(browser, member)
    for i, n in enumerate([4, 5, 33]):
        browser.click(f"{form} button.add")
        browser.type_text(f'{form} input[name="numbers[{i}]"]', str(n))
    browser.click(f"{form} button.call")
    text = _outcome(browser, member)
    assert text.startswith("OK (status 0)") and text.split("\n")[-1] == "42", text

    member = "tsstream.tsstream.shout"
    form = _open(browser, member)
    for i, w in enumerate(["hello", "graft"]):
        browser.click(f"{form} button.add")
        browser.type_text(f'{form} input[name="words[{i}]"]', w)
    browser.click(f"{form} button.call")
    state, status = _stream_end(browser, member)
    assert state == "ok" and status.startswith("ended (status 0) after 2 items"), status
    assert _items(browser, form) == ['"HELLO"', '"GRAFT"']
    browser.screenshot(shots_dir(root) / "tryit-bidi.png")


def shots_dir(root: Path) -> Path:
    return root.parent / "screenshots"
