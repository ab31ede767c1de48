"""A minimal Chrome DevTools Protocol client for the browser tests: Debian's chromium, headless,
driven over its debugging WebSocket with wsproto (already a runtime dependency), so the tests
need no browser download, no driver binary and no npm package."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1280,1600",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium process with one page; `close()` stops it by its PID."""

    def __init__(self, profile: Path, timeout: float = 30.0) -> None:
        exe = find_chromium()
        if exe is None:
            raise RuntimeError("chromium is not installed (make system-deps)")
        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, *CHROMIUM_ARGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._timeout = timeout
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not port_file.is_file() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not open its debugging port")
            time.sleep(0.05)
        self.port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/json/list", timeout=timeout
        ) as r:
            pages = [p for p in json.load(r) if p.get("type") == "page"]
        ws_url = pages[0]["webSocketDebuggerUrl"]
        self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        self._ws = WSConnection(ConnectionType.CLIENT)
        path = ws_url.split(str(self.port), 1)[1]
        self._sock.sendall(self._ws.send(Request(host=f"127.0.0.1:{self.port}", target=path)))
        self._next_id = 0
        self._inbox: list[dict[str, Any]] = []
        self._buffer = ""
        self._wait_for(lambda e: isinstance(e, AcceptConnection))
        self.send("Page.enable")
        self.send("Runtime.enable")

    # -- protocol -------------------------------------------------------------------------

    def _events(self) -> list[Any]:
        data = self._sock.recv(1 << 20)
        if not data:
            raise ConnectionError("chromium closed the debugging connection")
        self._ws.receive_data(data)
        return list(self._ws.events())

    def _wait_for(self, pred: Any) -> Any:
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            for e in self._events():
                if pred(e):
                    return e
        raise TimeoutError("no answer from chromium")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        msg = json.dumps({"id": ident, "method": method, "params": params})
        self._sock.sendall(self._ws.send(TextMessage(data=msg)))
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            for e in self._events():
                if isinstance(e, Ping):
                    self._sock.sendall(self._ws.send(e.response()))
                elif isinstance(e, CloseConnection):
                    raise ConnectionError("chromium closed the debugging connection")
                elif isinstance(e, TextMessage):
                    self._buffer += e.data
                    if not e.message_finished:
                        continue
                    doc = json.loads(self._buffer)
                    self._buffer = ""
                    if doc.get("id") == ident:
                        if "error" in doc:
                            raise RuntimeError(f"{method}: {doc['error']}")
                        result: dict[str, Any] = doc.get("result", {})
                        return result
                    self._inbox.append(doc)
        raise TimeoutError(f"{method}: no answer from chromium")

    # -- page helpers ---------------------------------------------------------------------

    def goto(self, url: str) -> None:
        self._inbox.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            if self.eval("document.readyState") == "complete" and self.eval("location.href") == url:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{url} did not load")

    def eval(self, expression: str) -> Any:
        r = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the element's centre (not element.click()), as a user does."""
        box = self.eval(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            "  if (!el) return null; el.scrollIntoView({block: 'center'});"
            "  const r = el.getBoundingClientRect();"
            "  return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        if box is None:
            raise LookupError(f"no element matches {selector}")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def type_text(self, selector: str, text: str) -> None:
        """Click into a field and type, as keyboard input (fires `input` events)."""
        self.click(selector)
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            getattr(self, "_sock", socket.socket()).close()
        except Exception:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def have_chromium() -> bool:
    return find_chromium() is not None and os.name == "posix"
