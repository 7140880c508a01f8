"""Browser-test helpers and fixtures: the built book served locally, opened in Debian's chromium by Playwright.

pytest-playwright provides the ``browser`` (one per session), ``context`` and ``page`` (a fresh one per test, so
nothing is cached between tests) fixtures; this module points them at the system chromium and the built book:

* ``book_html``: the built book's folder, ``$HUMANLIKE_BOOK_DIR`` if set, else ``_build/html`` of this checkout
  (``HUMANLIKE_BOOK_DIR`` lets you test a book built in another clone without rebuilding this one).
* ``book_site``: the folder served over HTTP on 127.0.0.1 (its origin, e.g. ``http://127.0.0.1:PORT``).
* ``browser_type_launch_args``: launch ``/usr/bin/chromium`` (``executable_path``) with ``CHROMIUM_FLAGS``;
  Playwright never downloads a browser of its own.
* ``page_watch``: a ``PageWatch`` on this test's ``page`` that records every request leaving the book's origin,
  console errors, uncaught exceptions and failed requests (request both ``page`` and ``page_watch``).

Without a built book or without chromium, tests using these fixtures skip, unless the environment variable
HUMANLIKE_REQUIRE_BOOK is set (as .ci/run does after `make book`): then they fail.

Helpers for the book's pages and charts (``.humanlike-chart`` containers holding a Vega view and its dropdowns):
``open_page``, ``chart_ids``, ``chart_state``, ``dropdowns``, ``chart_snapshot``, ``choose_option``,
``axis_labels``, ``overflowing``. Other widths or the dark theme: ask for pytest-playwright's ``new_context``
fixture and open ``new_context(viewport={"width": 420, "height": 900}, color_scheme="dark").new_page()``, with
``PageWatch(page, book_site)`` if needed. Fixtures defined here are registered in tests/conftest.py.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRE = bool(os.environ.get("HUMANLIKE_REQUIRE_BOOK"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGE_TIMEOUT_MS = 30_000
CHART = ".humanlike-chart"


def unavailable(reason: str) -> None:
    """Skip a browser test, or fail it when HUMANLIKE_REQUIRE_BOOK is set."""
    if REQUIRE:
        pytest.fail(f"{reason} (HUMANLIKE_REQUIRE_BOOK is set)")
    pytest.skip(reason)


def book_dir() -> Path:
    """The built book: $HUMANLIKE_BOOK_DIR, else _build/html of this checkout."""
    return Path(os.environ.get("HUMANLIKE_BOOK_DIR") or ROOT / "_build" / "html").resolve()


def book_pages(html: Path | None = None) -> list[str]:
    """The book's HTML pages relative to its root (Sphinx's sources, static files and MathJax left out)."""
    html = book_dir() if html is None else html
    if not html.is_dir():
        return []
    pages = [p.relative_to(html).as_posix() for p in html.rglob("*.html")]
    return sorted(p for p in pages if not p.startswith(("_sources/", "_static/", "mathjax/")))


def chromium_executable() -> str | None:
    """Debian's chromium (apt-get install -y chromium), or None."""
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


def serve(directory: Path) -> tuple[str, _Server]:
    """Serve a folder on 127.0.0.1 (a free port) in a daemon thread; returns (origin, server)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


# ------------------------------------------------------------------------------------------- fixtures
def pytest_collection_modifyitems(items: list) -> None:
    """Run the browser tests last: while Playwright's sync API is up (one session for all of them), the main
    thread counts as inside a running event loop, so a later test's asyncio.run() would fail."""
    uses_browser = ["page" in getattr(item, "fixturenames", ()) for item in items]
    items[:] = [i for i, b in zip(items, uses_browser) if not b] + [i for i, b in zip(items, uses_browser) if b]


@pytest.fixture(scope="session")
def book_html() -> Path:
    html = book_dir()
    if not (html / "index.html").exists():
        unavailable(f"the book is not built ({html} has no index.html): run `make book`")
    return html


@pytest.fixture(scope="session")
def book_site(book_html: Path) -> Iterator[str]:
    origin, server = serve(book_html)
    yield origin
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at Debian's chromium (Playwright's own browsers are absent)."""
    executable = chromium_executable()
    if executable is None:
        unavailable("Debian chromium is not installed (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


class PageWatch:
    """Records what a page does wrong: requests leaving ``origin``, console errors, exceptions, failed loads."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._on_request)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"exception: {error}"))
        page.on("requestfailed", self._on_failed)

    def _on_request(self, request) -> None:
        url = request.url
        if not (url == self.origin or url.startswith((self.origin + "/", "data:", "blob:", "about:"))):
            self.foreign.append(url)

    def _on_console(self, message) -> None:
        # Playwright reports console.error/assert and the browser's own error log entries
        # ("Failed to load resource: 404 ...") as console messages.
        if message.type in ("error", "assert"):
            location = message.location.get("url", "") if message.location else ""
            self.errors.append(f"console.{message.type}: {message.text} {location}".rstrip())

    def _on_failed(self, request) -> None:
        failure = request.failure or ""
        if "ERR_ABORTED" not in failure:  # aborted: cancelled by the page itself (navigation, lazy loads)
            self.errors.append(f"request failed: {failure} ({request.url})")


@pytest.fixture
def page_watch(page, book_site: str) -> PageWatch:
    """Watches this test's ``page`` (pytest-playwright's fresh page) on the book's origin."""
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    return PageWatch(page, book_site)


# ------------------------------------------------------------------------------------------- chart helpers
CHARTS_DRAWN = f"""() => [...document.querySelectorAll('{CHART}')]
  .every(c => c.querySelector('svg, canvas') || c.hasAttribute('data-error'))"""

_SNAPSHOT = """chart => {
  const node = chart.querySelector('svg, canvas');
  if (!node) return null;
  return node.tagName === 'CANVAS' ? node.toDataURL() : node.outerHTML;
}"""


def open_page(page, url: str) -> None:
    """Load a book page and wait until every chart container is drawn (or marked with data-error)."""
    page.goto(url, wait_until="load")
    page.wait_for_function(CHARTS_DRAWN)


def chart_ids(page) -> list[str]:
    """The ids of the page's chart containers, in page order."""
    return page.eval_on_selector_all(CHART, "charts => charts.map(c => c.id)")


def chart_state(page) -> list[dict]:
    """Per chart: id, drawn (holds an svg/canvas), error (its data-error), selects (number of dropdowns)."""
    return page.eval_on_selector_all(
        CHART,
        """charts => charts.map(c => ({id: c.id, drawn: !!c.querySelector('svg, canvas'),
             error: c.getAttribute('data-error'), selects: c.querySelectorAll('.vega-bindings select').length}))""",
    )


def dropdowns(page, chart_id: str):
    """A Playwright locator over the dropdowns (Vega bindings) of one chart."""
    return page.locator(f"[id='{chart_id}'] .vega-bindings select")


def chart_snapshot(page, chart_id: str) -> str | None:
    """The chart's rendered SVG markup (or canvas pixels as a data URL); None when nothing is drawn."""
    return page.locator(f"[id='{chart_id}']").evaluate(_SNAPSHOT)


def choose_option(page, chart_id: str, select_index: int, option_index: int, timeout_ms: int = 5_000) -> bool:
    """Choose an option in a chart's dropdown as a reader would; True when the rendered chart changed.

    Waits (up to ``timeout_ms``) for Vega to re-render, then returns whether the drawing differs from before.
    """
    before = chart_snapshot(page, chart_id)
    dropdowns(page, chart_id).nth(select_index).select_option(index=option_index)
    try:
        page.wait_for_function(
            f"([id, old]) => ({_SNAPSHOT})(document.getElementById(id)) !== old",
            arg=[chart_id, before],
            timeout=timeout_ms,
        )
    except Exception as err:  # playwright's TimeoutError: the drawing stayed the same
        if type(err).__name__ != "TimeoutError":
            raise
        return False
    return True


def axis_labels(page, chart_id: str, orient: str = "bottom") -> list[list[str]]:
    """The tick labels of each ``orient`` axis (bottom, left, top, right) of a chart's SVG, in drawing order.

    Vega draws an axis as ``g.role-axis`` with ``aria-label`` "X-axis ..."/"Y-axis ..." and its labels as ``text``
    in ``g.role-axis-label``; one list per axis (facetted charts draw several).
    """
    return page.locator(f"[id='{chart_id}']").evaluate(
        """(chart, orient) => [...chart.querySelectorAll('svg g.role-axis')]
             .filter(axis => (axis.getAttribute('aria-label') || '').toLowerCase()
                              .startsWith(orient === 'bottom' || orient === 'top' ? 'x-axis' : 'y-axis'))
             .map(axis => [...axis.querySelectorAll('g.role-axis-label text')].map(t => t.textContent))""",
        orient,
    )


def overflowing(page) -> list[str]:
    """The outermost elements sticking out of the viewport to the right, as 'tag#id.class (right px)'.

    The page itself overflows when ``document.documentElement.scrollWidth > clientWidth``; this lists the culprits
    (off-canvas drawers of the theme, such as ``#pst-secondary-sidebar``, included: filter them as needed).
    Open the page in a narrow context first, e.g. ``new_context(viewport={"width": 420, "height": 900})``
    (pytest-playwright's ``new_context`` fixture; ``color_scheme="dark"`` gives the dark theme).
    """
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = e => e.getClientRects().length && e.getBoundingClientRect().right > width + 1;
          // the outermost overflowing elements only (not each of their descendants); code and maths scroll.
          return [...document.querySelectorAll('body *')]
            .filter(e => out(e) && !(e.parentElement && out(e.parentElement)))
            .filter(e => !e.closest('.mathjax, mjx-container, pre, .highlight'))
            .map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().right)} px)`);
        }"""
    )


WIDGETS = """() => ({
  views: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
  rendered: document.querySelectorAll(
    '.jupyter-widgets.widget-container, .jupyter-widgets.widget-inline-hbox, .widget-dropdown').length,
})"""
