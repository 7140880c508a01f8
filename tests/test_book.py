"""The built book (_build/html) in a real browser: offline, interactive, and free of console errors.

Needs `make book` first and Debian's chromium (`apt-get install -y chromium`), driven headless through the
DevTools protocol (websocket-client). Without _build/html (or without chromium) the tests skip, unless the
environment variable HUMANLIKE_REQUIRE_BOOK is set (as CI does after building the book): then they fail.

For every page of the book:
* no request leaves the page's own origin (a local http server on 127.0.0.1);
* every chart container (``.humanlike-chart``) holds an ``svg`` or ``canvas``;
* choosing another option in each chart's dropdown changes the rendered chart;
* ipywidgets outputs are rendered by the bundled HTML manager;
* the browser logs no console error, uncaught exception or failed request.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
REQUIRE = bool(os.environ.get("HUMANLIKE_REQUIRE_BOOK"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
    "--no-default-browser-check",
    "--disable-extensions",
    "--remote-debugging-port=0",
]
PAGE_TIMEOUT = 30.0


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason} (HUMANLIKE_REQUIRE_BOOK is set)")
    pytest.skip(reason)


def _pages() -> list[str]:
    if not HTML.is_dir():
        return []
    pages = [p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")]
    return sorted(p for p in pages if not p.startswith(("_sources/", "_static/", "mathjax/")))


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


# ------------------------------------------------------------------------------------------- server
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


@pytest.fixture(scope="module")
def site() -> str:
    if not (HTML / "index.html").exists():
        _unavailable(f"the book is not built ({HTML.relative_to(ROOT)} missing): run `make book`")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# ------------------------------------------------------------------------------------------- browser (CDP)
class Browser:
    """A minimal DevTools-protocol client for one headless chromium page."""

    def __init__(self, executable: str) -> None:
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="humanlike-chromium-")
        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        targets = []
        while not targets:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
                targets = [t for t in json.load(response) if t["type"] == "page"]
            if not targets:
                time.sleep(0.05)
        self.ws = websocket.create_connection(
            targets[0]["webSocketDebuggerUrl"], timeout=PAGE_TIMEOUT, suppress_origin=True
        )
        self._id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Network.setCacheDisabled", cacheDisabled=True)

    def send(self, method: str, **params: object) -> dict:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def drain(self, seconds: float) -> None:
        """Collect events for a while."""
        self.ws.settimeout(seconds)
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                self.ws.settimeout(max(0.01, end - time.monotonic()))
                message = json.loads(self.ws.recv())
                if "method" in message:
                    self.events.append(message)
        except Exception:  # websocket timeout: nothing more arrived
            pass
        finally:
            self.ws.settimeout(PAGE_TIMEOUT)

    def evaluate(self, expression: str, await_promise: bool = False) -> object:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=await_promise
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def load(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + PAGE_TIMEOUT
        while not any(e["method"] == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            self.drain(0.1)

    def wait_for(self, expression: str, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return True
            self.drain(0.1)
        return False

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(site: str) -> Browser:
    executable = _chromium()
    if executable is None:
        _unavailable("Debian chromium is not installed (apt-get install -y chromium)")
    try:
        import websocket  # noqa: F401  (websocket-client drives chromium through the DevTools protocol)
    except ImportError:
        _unavailable("websocket-client is not installed (pip install -e '.[test]')")
    instance = Browser(executable)
    yield instance
    instance.close()


# ------------------------------------------------------------------------------------------- page checks
CHARTS_DRAWN = """(() => {
  const charts = [...document.querySelectorAll('.humanlike-chart')];
  return charts.every(c => c.querySelector('svg, canvas') || c.hasAttribute('data-error'));
})()"""

CHART_STATE = """(() => [...document.querySelectorAll('.humanlike-chart')].map(c => ({
  id: c.id,
  drawn: !!c.querySelector('svg, canvas'),
  error: c.getAttribute('data-error'),
  selects: c.querySelectorAll('.vega-bindings select').length,
})))()"""

WIDGETS = """(() => ({
  views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
  rendered: document.querySelectorAll('.jupyter-widgets.widget-container, .jupyter-widgets.widget-inline-hbox, .widget-dropdown').length,
}))()"""


def _pick_other_option(chart_id: str, select_index: int) -> str:
    """JS: choose the next option of a chart's dropdown; resolves to the rendered SVG afterwards."""
    return f"""(async () => {{
  const chart = document.getElementById({json.dumps(chart_id)});
  const select = chart.querySelectorAll('.vega-bindings select')[{select_index}];
  const before = chart.querySelector('svg, canvas');
  const snapshot = () => {{
    const node = chart.querySelector('svg, canvas');
    return node.tagName === 'CANVAS' ? node.toDataURL() : node.outerHTML;
  }};
  const old = snapshot();
  if (select.options.length < 2) return {{skipped: true}};
  select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
  select.dispatchEvent(new Event('input', {{bubbles: true}}));
  select.dispatchEvent(new Event('change', {{bubbles: true}}));
  if (chart.humanlikeView) await chart.humanlikeView.runAsync();
  for (let i = 0; i < 50 && snapshot() === old; i++) await new Promise(r => setTimeout(r, 100));
  return {{skipped: false, changed: snapshot() !== old, value: select.value}};
}})()"""


def _problems(events: list[dict], origin: str) -> tuple[list[str], list[str]]:
    foreign, errors = [], []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not (url.startswith(origin + "/") or url == origin or url.startswith(("data:", "blob:", "about:"))):
                foreign.append(url)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            errors.append(f"request failed: {params.get('errorText')} ({params.get('requestId')})")
    return foreign, errors


PAGES = _pages()


def test_book_is_built() -> None:
    if not PAGES:
        _unavailable(f"the book is not built ({HTML.relative_to(ROOT)} missing): run `make book`")
    chapters = sorted(p.stem for p in (ROOT / "analysis").glob("[0-9][0-9]_*.py"))
    missing = [c for c in chapters if f"chapters/{c}.html" not in PAGES]
    assert not missing, f"analysis notebooks without a built page: {missing}"
    for page in PAGES:
        size = (HTML / page).stat().st_size
        assert size < 5_000_000, f"{page} is {size / 1e6:.1f} MB (limit 5 MB)"


@pytest.mark.parametrize("page", PAGES or ["<book not built>"])
def test_page_offline_interactive_and_clean(page: str, site: str, browser: Browser) -> None:
    browser.load(f"{site}/{page}")
    assert browser.wait_for(CHARTS_DRAWN), f"{page}: charts not drawn within the time limit"
    charts = browser.evaluate(CHART_STATE)
    for chart in charts:
        assert chart["drawn"], f"{page}: chart {chart['id']} holds no svg/canvas ({chart['error']})"

    widgets = browser.evaluate(WIDGETS)
    if widgets["views"]:
        assert browser.wait_for(WIDGETS.replace("}))()", "}))().rendered > 0")), (
            f"{page}: {widgets['views']} ipywidgets output(s) not rendered by the HTML manager"
        )

    for chart in charts:
        for index in range(chart["selects"]):
            result = browser.evaluate(_pick_other_option(chart["id"], index), await_promise=True)
            if not result["skipped"]:
                assert result["changed"], (
                    f"{page}: choosing {result['value']!r} in dropdown {index} of chart {chart['id']} "
                    "did not change the chart"
                )

    browser.drain(0.5)  # late requests (fonts, lazily loaded MathJax parts)
    foreign, errors = _problems(browser.events, site)
    assert not foreign, f"{page}: requests leave the page's origin: {foreign}"
    assert not errors, f"{page}: browser errors:\n" + "\n".join(errors)
