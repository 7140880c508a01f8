"""Browser-test helpers and fixtures: the built book served locally, opened in Debian's chromium by Playwright.

pytest-playwright provides the ``browser`` (one per test process) and ``new_context`` fixtures; this module points
them at the system chromium and the built book, and gives tests a reader's tab:

* ``book_html``: the built book's folder, ``$HUMANLIKE_BOOK_DIR`` if set, else ``_build/html`` of this checkout
  (``HUMANLIKE_BOOK_DIR`` lets you test a book built in another clone without rebuilding this one).
* ``book_site``: the folder served over HTTP on 127.0.0.1 (its origin, e.g. ``http://127.0.0.1:PORT``).
* ``browser_type_launch_args``: launch ``/usr/bin/chromium`` (``executable_path``) with ``CHROMIUM_FLAGS``;
  Playwright never downloads a browser of its own.
* ``page`` (also ``phone_page``, 420 px wide on a system set to dark, and ``dark_page``, a reader who chose the
  dark theme): the test process's one browser tab of that reader, which each test navigates anew. A test gets a
  fresh load of its page, but the tab's renderer process and HTTP cache are those of the tests before: a load
  costs half the CPU of one in a new tab of a new context (0.75 against 1.5 core-seconds for a chapter). After
  each test, other tabs are closed and the book's localStorage and sessionStorage are emptied.
* ``first_visit``: the tab of a reader at 1280 x 900, light, and a ``ByteCounter`` on it: the browser's cache is
  off while the test runs (Chrome DevTools Protocol), so that a load fetches all a first visit fetches.
* ``page_watch``: a ``PageWatch`` on this test's ``page`` that records every request leaving the book's origin,
  console errors, uncaught exceptions and failed requests (request both ``page`` and ``page_watch``). A PageWatch
  on a reused tab stops listening when its test ends.

Without a built book or without chromium, tests using these fixtures skip, unless the environment variable
HUMANLIKE_REQUIRE_BOOK is set (as .ci/run does after `make book`): then they fail.

Helpers for the book's pages and charts (``.humanlike-chart`` containers holding a Vega view and its dropdowns):
``open_page``, ``chart_ids``, ``chart_state``, ``dropdowns``, ``chart_snapshot``, ``choose_option``,
``axis_labels``, ``overflowing``. Other widths or themes: ``phone_page``, ``dark_page``, or pytest-playwright's
``new_context`` fixture, e.g. ``new_context(viewport={"width": 800, "height": 900}).new_page()``, with
``PageWatch(page, book_site)`` if needed. Fixtures defined here are registered in tests/conftest.py.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
from collections.abc import Callable, Iterator
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


_WATCHES: list[PageWatch] = []  # listening now; those on a reused tab stop when their test ends (``_tab``)


class PageWatch:
    """Records what a page does wrong: requests leaving ``origin``, console errors, exceptions, failed loads."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self._page = page
        self._listeners = {"request": self._on_request, "console": self._on_console, "pageerror": self._on_error,
                           "requestfailed": self._on_failed}  # fmt: skip
        for event, listener in self._listeners.items():
            page.on(event, listener)
        _WATCHES.append(self)

    def stop(self) -> None:
        """Stop listening (the page lives on: the next test's tab)."""
        if self in _WATCHES:
            _WATCHES.remove(self)
            for event, listener in self._listeners.items():
                self._page.remove_listener(event, listener)

    def _on_error(self, error) -> None:
        self.errors.append(f"exception: {error}")

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


def _tab(context, book_site: str) -> Iterator:
    """The context's one tab, reused by every test (see ``page``); other tabs are closed and the book's storage is
    emptied when the test ends."""
    tabs = [tab for tab in context.pages if not tab.is_closed()]
    tab = tabs[0] if tabs else context.new_page()
    tab.set_default_timeout(PAGE_TIMEOUT_MS)
    yield tab
    for watch in [w for w in _WATCHES if w._page is tab]:
        watch.stop()
    for other in context.pages[1:]:
        other.close()
    if not tab.is_closed() and tab.url.startswith(book_site):
        tab.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")


#: pydata-sphinx-theme keeps the reader's choice of theme in localStorage ("mode").
CHOSE_DARK = "localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');"
#: The three readers whose tab the tests reuse: the context options of each (added to pytest-playwright's) and a
#: script run before every page loads.
READERS: dict[str, tuple[dict, str | None]] = {
    "desktop": ({}, None),  # pytest-playwright's defaults: 1280 x 720, light
    "phone": ({"viewport": {"width": 420, "height": 900}, "color_scheme": "dark"}, None),  # a phone set to dark
    "dark": ({}, CHOSE_DARK),  # a reader who chose the dark theme on an earlier visit
    "first-visit": ({"viewport": {"width": 1280, "height": 900}}, None),  # light; the cache is off (first_visit)
}


@pytest.fixture(scope="session")
def _readers(browser, browser_context_args: dict) -> Iterator[Callable[[str], object]]:
    """A browser context per reader of ``READERS``, made when a test first asks for it."""
    contexts: dict = {}

    def context(reader: str):
        if reader not in contexts:
            options, script = READERS[reader]
            contexts[reader] = browser.new_context(**{**browser_context_args, **options})
            if script:
                contexts[reader].add_init_script(script)
        return contexts[reader]

    yield context
    for made in contexts.values():
        made.close()


@pytest.fixture
def page(_readers, book_site: str) -> Iterator:
    """The test process's browser tab (replaces pytest-playwright's new page in a new context per test)."""
    yield from _tab(_readers("desktop"), book_site)


@pytest.fixture
def phone_page(_readers, book_site: str) -> Iterator:
    """The test process's tab on a phone: 420 x 900 px, the system set to dark."""
    yield from _tab(_readers("phone"), book_site)


@pytest.fixture
def dark_page(_readers, book_site: str) -> Iterator:
    """The test process's tab of a reader who chose the dark theme (in localStorage, before every load)."""
    yield from _tab(_readers("dark"), book_site)


@pytest.fixture
def first_visit(_readers, book_site: str) -> Iterator[tuple[object, ByteCounter]]:
    """``(tab, counter)``: the test process's tab at 1280 x 900, light, with the browser's cache off (what a first
    visit loads: the same bytes as a new context's, at half the CPU), and the bytes it loads from now on."""
    for tab in _tab(_readers("first-visit"), book_site):
        counter = ByteCounter(tab, cache=False)
        yield tab, counter
        counter.close()


@pytest.fixture
def page_watch(page, book_site: str) -> PageWatch:
    """Watches this test's ``page`` on the book's origin (until the test ends)."""
    return PageWatch(page, book_site)


# ------------------------------------------------------------------------------------------- chart helpers
# Drawn: holds its svg/canvas and is not being drawn again (data-drawn, humanlike.charts.render: a chart is drawn
# anew when the theme script resolves "auto" or the width changes, and holds no svg for a moment meanwhile).
CHARTS_DRAWN = f"""() => [...document.querySelectorAll('{CHART}')]
  .every(c => (c.querySelector('svg, canvas') && c.getAttribute('data-drawn') === '1') || c.hasAttribute('data-error'))"""

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


# ------------------------------------------------------------------------------------------- a reader's checks
#: WCAG contrast ratio that every drawn mark and legend symbol keeps to the page's background.
MIN_CONTRAST = 3.0

_CONTRAST_JS = """
function rgbOf(css) {
  const m = /rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)(?:,\\s*([\\d.]+))?/.exec(css || '');
  return m && (m[4] === undefined || +m[4] > 0) ? [+m[1], +m[2], +m[3]] : null;
}
function luminance(rgb) {
  const l = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}
function contrast(a, b) {
  const x = luminance(a), y = luminance(b);
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}
function pageBackground() {
  for (const el of [document.querySelector('.bd-article'), document.body, document.documentElement]) {
    const rgb = el && rgbOf(getComputedStyle(el).backgroundColor);
    if (rgb) return rgb;
  }
  return [255, 255, 255];
}
function opacityOf(el, stop) {
  let o = 1;
  for (let a = el; a && a !== stop; a = a.parentElement) {
    const s = getComputedStyle(a);
    o *= +s.opacity;
    if (a === el) o *= Math.max(s.fill !== 'none' ? +s.fillOpacity : 0, s.stroke !== 'none' ? +s.strokeOpacity : 0);
  }
  return o;
}
"""

LOW_CONTRAST = (
    """(minimum) => {"""
    + _CONTRAST_JS
    + """
  // Every mark (points, lines, rules, bars, areas) and legend symbol of every chart drawn at full strength
  // (opacity >= 0.5: faded marks are bands and deselected series by design) against the page's background.
  // Cells of a matrix (rect marks of a chart with a colour gradient) are read against each other, not the page.
  const bg = pageBackground(), out = [];
  for (const chart of document.querySelectorAll('.humanlike-chart')) {
    const svg = chart.querySelector('svg.marks');
    if (!svg) continue;
    const matrix = !!svg.querySelector('.role-legend-gradient');
    const marks = [...svg.querySelectorAll(
      'g.role-mark:not(.mark-text):not(.mark-group):not(.role-axis-label):not(.role-legend-label):not(.role-title-text) > path,' +
      'g.role-mark:not(.mark-text):not(.mark-group) > line, g.role-legend-symbol path')];
    for (const el of marks) {
      const group = el.parentElement;
      if (matrix && group.classList.contains('mark-rect')) continue;
      if (group.closest('.role-axis, .role-frame') && !group.closest('.role-legend')) continue;
      if (el.getBoundingClientRect().width === 0 && el.getBoundingClientRect().height === 0) continue;
      if (opacityOf(el, svg) < 0.5) continue;
      const s = getComputedStyle(el);
      const colour = rgbOf(s.fill !== 'none' && +s.fillOpacity > 0 ? s.fill : s.stroke);
      if (!colour) continue;
      const ratio = contrast(colour, bg);
      if (ratio < minimum) {
        const where = group.closest('.role-legend') ? 'legend symbol' : [...group.classList].join('.');
        out.push(`${chart.id} ${where} rgb(${colour}) ${ratio.toFixed(2)}:1`);
      }
    }
  }
  return [...new Set(out)];
}"""
)

TEXT_OVERLAPS = """(only) => {
  // Pairs of visible texts of one chart whose drawn boxes (rotation included) intersect by more than a pixel;
  // every chart of the page, or only the one whose id is given.
  function corners(t) {
    const b = t.getBBox(), m = t.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  }
  function separated(p, q) {  // separating axis test of two convex quadrilaterals, with a pixel of slack
    for (const poly of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4];
        const len = Math.hypot(x2 - x1, y2 - y1) || 1, nx = (y1 - y2) / len, ny = (x2 - x1) / len;
        const proj = ps => ps.map(([x, y]) => x * nx + y * ny);
        const a = proj(p), b = proj(q);
        if (Math.max(...a) <= Math.min(...b) + 1 || Math.max(...b) <= Math.min(...a) + 1) return true;
      }
    }
    return false;
  }
  const out = [];
  const charts = only ? [document.getElementById(only)] : [...document.querySelectorAll('.humanlike-chart')];
  for (const chart of charts) {
    const svg = chart && chart.querySelector('svg.marks');
    if (!svg) continue;
    const texts = [...svg.querySelectorAll('text')].filter(t => {
      if (!t.textContent.trim()) return false;
      const s = getComputedStyle(t);
      if (s.display === 'none' || s.visibility === 'hidden' || +s.opacity === 0 || +s.fillOpacity === 0) return false;
      for (let a = t.parentElement; a && a !== svg; a = a.parentElement) if (+getComputedStyle(a).opacity === 0) return false;
      const r = t.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    }).map(t => ({text: t.textContent.trim(), box: corners(t)}));
    for (let i = 0; i < texts.length; i++)
      for (let j = i + 1; j < texts.length; j++)
        if (!separated(texts[i].box, texts[j].box)) out.push(`${chart.id}: "${texts[i].text}" / "${texts[j].text}"`);
  }
  return out;
}"""

TABLES = """() => [...document.querySelectorAll('.bd-article table')].filter(t => t.getClientRects().length).map(t => {
  // each table: its width, the text column's, the box it scrolls in (if any) and whether its first column sticks
  const article = document.querySelector('.bd-article');
  let box = null;
  for (let a = t; a && a !== article; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll') { box = a; break; }
  }
  const first = t.querySelector('tbody tr > :first-child, tr > :first-child');
  return {id: t.id || t.className || 'table', width: Math.ceil(t.getBoundingClientRect().width),
          column: Math.floor(article.getBoundingClientRect().width),
          box: box ? Math.floor(box.getBoundingClientRect().width) : null,
          sticky: first ? getComputedStyle(first).position === 'sticky' : false,
          background: getComputedStyle(t).backgroundColor, text: getComputedStyle(t).color};
})"""

TOOLTIP = """() => { const t = document.getElementById('vg-tooltip-element');
  // Vega's tooltip: a table of key / value rows
  if (!t || !t.classList.contains('visible')) return null;
  return [...t.querySelectorAll('tr')].map(r => [...r.querySelectorAll('td')].map(c => c.textContent.trim())); }"""


class ByteCounter:
    """The bytes a page loads, summed over all its requests (as the network sees them: Chrome DevTools Protocol's
    ``encodedDataLength``; the local server sends no compression). Create it before the page's ``goto``; with
    ``cache=False`` the browser's cache is off until :meth:`close`, so every request reaches the network."""

    def __init__(self, page, *, cache: bool = True) -> None:
        self.total = 0
        self.by_url: dict[str, int] = {}
        self._urls: dict[str, str] = {}
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.setCacheDisabled", {"cacheDisabled": not cache})
        session.on("Network.requestWillBeSent", lambda e: self._urls.__setitem__(e["requestId"], e["request"]["url"]))
        session.on("Network.loadingFinished", self._finished)
        self._session = session

    def _finished(self, event: dict) -> None:
        size = int(event.get("encodedDataLength", 0))
        self.total += size
        url = self._urls.get(event["requestId"], "?")
        self.by_url[url] = self.by_url.get(url, 0) + size

    def close(self) -> None:
        """Stop counting (and turn the cache back on)."""
        self._session.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self._session.detach()

    def largest(self, n: int = 5) -> list[str]:
        return [f"{url.split('/', 3)[-1]} ({size / 1e6:.2f} MB)" for url, size in
                sorted(self.by_url.items(), key=lambda kv: -kv[1])[:n]]
