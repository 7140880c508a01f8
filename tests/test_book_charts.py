"""The built book's charts in a real browser (issue 9): level axes that keep their order, data to take away,
charts that fit a phone and follow the dark theme.

Needs `make book` first and Debian's chromium, driven headless by Playwright (fixtures and helpers in
tests/browser.py); skipped without them unless HUMANLIKE_REQUIRE_BOOK is set. HUMANLIKE_BOOK_DIR=DIR tests a book
built elsewhere.

* every dropdown of every chart, each option chosen in turn, twice round: a chart with a level axis (distortion
  levels; ``usermeta.humanlike.levels`` names its label, order and dropdown columns) shows exactly the labels of
  the dataset picked, in the order of their level, in its scale and in the drawn tick labels; and (first round)
  no two texts of the chart overlap whatever is picked (1280 px);
* every chart has its own "Download data (CSV)" link (``<a download>``, href ending in .csv, inside the book) that
  answers HTTP 200 with a CSV whose header and rows are those the chart embeds;
* at 420 px width, on a phone set to dark (the book follows the system's theme), no page scrolls sideways, no chart
  is wider than its container, no two texts of a chart overlap, every table scrolls in its own box with its first
  column in view, and every mark and legend symbol stands out from the dark page (contrast >= 3:1);
* in dark mode (pydata-sphinx-theme's ``html[data-theme=dark]``) every chart is drawn on a dark background, and
  every mark and legend symbol keeps a contrast of 3:1 to the page, also after switching back to light;
* at 1280 px, light (one fresh load, nothing cached): the page loads at most 3 MB in all its requests, no two texts
  of a chart overlap, no table is wider than the text column, tables take the theme's colours; Figure 1.1's
  tooltip holds the interval's two numbers and the levels that count towards OOD accuracy are shaded.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
from urllib.parse import urljoin, urlparse

import re

import pytest
from browser import (
    CHART,
    LOW_CONTRAST,
    MIN_CONTRAST,
    TABLES,
    TEXT_OVERLAPS,
    TOOLTIP,
    PageWatch,
    book_pages,
    chart_ids,
    dropdowns,
    open_page,
)

pytestmark = pytest.mark.book

PAGES = book_pages()
CHART_PAGES = [p for p in PAGES if p.startswith("chapters/")] or ["<book not built>"]

DRAWN = f"""() => [...document.querySelectorAll('{CHART}')]
  .every(c => c.getAttribute('data-drawn') === '1' || c.hasAttribute('data-error'))"""


def open_drawn(page, url: str) -> None:
    """Open a page and wait until every chart has finished drawing (fitting to the width included)."""
    open_page(page, url)
    page.wait_for_function(DRAWN)


# ------------------------------------------------------------------------------------------- what a chart embeds
_EMBEDDED = """el => {
  const spec = el.humanlikeSpec || {};
  const named = spec.datasets || {};
  const found = {};
  (function walk(node) {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (!node || typeof node !== 'object') return;
    const data = node.data;
    if (data && data.name && named[data.name]) found[data.name] = named[data.name];
    else if (data && Array.isArray(data.values)) found['values-' + Object.keys(found).length] = data.values;
    for (const [k, v] of Object.entries(node)) if (k !== 'data' && k !== 'datasets') walk(v);
  })(spec);
  return {sets: Object.values(found), usermeta: (spec.usermeta || {}).humanlike || {}};
}"""


def embedded(page, chart_id: str) -> dict:
    return page.locator(f"[id='{chart_id}']").evaluate(_EMBEDDED)


def expected_header_and_rows(info: dict) -> tuple[list[str], int]:
    """The columns and number of rows a chart's CSV must hold, worked out from the spec on the page."""
    grid = info["usermeta"].get("grid")
    if grid:  # packed matrices (the confusion matrices): one row per non-empty cell
        records = info["sets"][0]
        n = sum(1 for r in records for v in r["v"] if v is not None)
        return [*grid["keys"], grid["column"], grid["row"], *grid["fields"].values()], n
    columns: list[str] = []
    seen = set()
    for values in info["sets"]:
        for record in values:
            if not record:  # Altair's placeholder data of a layer without data (a reference line)
                continue
            columns += [k for k in record if k not in columns]
            seen.add(json.dumps(record, sort_keys=True))
    return columns, len(seen)


# ------------------------------------------------------------------------------------------- level axes
_LEVEL_AXIS = """el => {
  const view = el.humanlikeView;
  const domain = view.scale('x').domain().map(String);
  const axis = [...el.querySelectorAll('g.role-axis')].find(g => /^X-axis/.test(g.getAttribute('aria-label') || ''));
  // the labels as a reader sees them: left to right on the page (Vega keeps reused label elements in place in
  // the DOM, so DOM order is not drawing order)
  const ticks = axis ? [...axis.querySelectorAll('g.role-axis-label text')]
    .map(t => [t.getBoundingClientRect().left + t.getBoundingClientRect().width / 2, t.textContent])
    .sort((a, b) => a[0] - b[0]).map(p => p[1]) : null;
  return {domain, ticks};
}"""


def expected_levels(info: dict, picked: dict[str, str]) -> list[str]:
    """The labels of the dataset picked, ordered by their level (from the rows the chart embeds)."""
    levels = info["usermeta"]["levels"]
    label, order, by = levels["label"], levels["order"], levels.get("by")
    rows = [r for values in info["sets"] for r in values if label in r and order in r]
    if by:
        rows = [r for r in rows if str(r.get(by)) == picked[by]]
    first: dict[str, float] = {}
    for r in rows:
        key = str(r[label])
        first[key] = min(first.get(key, float("inf")), float(r[order]))
    return sorted(first, key=lambda k: first[k])


def _picked(page, chart_id: str) -> dict[str, str]:
    """The dropdowns' current values by the column they filter (their parameter is named pick_<column>)."""
    return page.locator(f"[id='{chart_id}']").evaluate(
        """el => { const out = {}; const s = el.humanlikeSpec;
          (s.params || []).filter(p => p.bind && p.bind.input === 'select' && p.name.startsWith('pick_'))
            .forEach(p => { out[p.name.slice(5)] = String(el.humanlikeView.signal(p.name)); });
          return out; }"""
    )


@pytest.mark.parametrize("page_path", CHART_PAGES)
def test_level_axes_keep_the_datasets_order_whatever_was_clicked(page_path, book_html, book_site, page, page_watch):
    if page_path not in PAGES:
        pytest.skip("the book is not built")
    open_drawn(page, f"{book_site}/{page_path}")
    for chart_id in chart_ids(page):
        info = embedded(page, chart_id)
        selects = dropdowns(page, chart_id)
        n_selects = selects.count()
        is_level_chart = "levels" in info["usermeta"]

        def check(where: str) -> None:
            if not is_level_chart:
                return
            want = expected_levels(info, _picked(page, chart_id))
            assert want, f"{page_path} {chart_id}: no rows for {where}"
            try:  # Vega redraws asynchronously: give it up to 3 s to show the dataset picked
                page.wait_for_function(
                    f"([id, want]) => {{ const got = ({_LEVEL_AXIS})(document.getElementById(id));"
                    " return JSON.stringify(got.domain) === JSON.stringify(want)"
                    " && JSON.stringify(got.ticks) === JSON.stringify(want); }",
                    arg=[chart_id, want],
                    timeout=3_000,
                )
            except Exception as err:
                if type(err).__name__ != "TimeoutError":
                    raise
            got = page.locator(f"[id='{chart_id}']").evaluate(_LEVEL_AXIS)
            assert got["domain"] == want, f"{page_path} {chart_id} after {where}: axis {got['domain']}, want {want}"
            assert got["ticks"] == want, f"{page_path} {chart_id} after {where}: ticks {got['ticks']}, want {want}"

        check("opening the page")
        for round_ in (1, 2):
            for index in range(n_selects):
                select = selects.nth(index)
                values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
                for option, value in enumerate(values):
                    select.select_option(index=option)
                    where = f"round {round_}, dropdown {index}, option {value!r}"
                    check(where)
                    if round_ == 1:  # no two texts overlap whatever is picked (e.g. labels of scatter points)
                        overlaps = page.evaluate(_OVERLAPS_WHEN_DRAWN, chart_id)
                        assert not overlaps, f"{page_path} after {where}: overlapping texts: {overlaps[:6]}"
    assert not page_watch.errors, f"{page_path}: browser errors:\n" + "\n".join(page_watch.errors)


# The chart's overlapping texts once Vega has drawn what was picked (runAsync: after the pending dataflow run and
# its rendering), in one round trip.
_OVERLAPS_WHEN_DRAWN = f"""async id => {{
  await document.getElementById(id).humanlikeView.runAsync();
  return ({TEXT_OVERLAPS})(id);
}}"""


def test_the_distortion_charts_are_checked(book_html, book_site, page) -> None:
    """The axis test above is not vacuous: chapters 1 and 3 have level charts with a dataset dropdown."""
    found = {}
    for page_path in ("chapters/01_noise_robustness.html", "chapters/03_image_errors.html"):
        open_drawn(page, f"{book_site}/{page_path}")
        found[page_path] = sum(1 for c in chart_ids(page) if "levels" in embedded(page, c)["usermeta"])
    assert all(n >= 1 for n in found.values()), found


# ------------------------------------------------------------------------------------------- data to take away
@pytest.mark.parametrize("page_path", CHART_PAGES)
def test_every_chart_links_its_own_csv(page_path, book_html, book_site, page, page_watch):
    if page_path not in PAGES:
        pytest.skip("the book is not built")
    url = f"{book_site}/{page_path}"
    open_drawn(page, url)
    links = page.eval_on_selector_all(
        CHART,
        """charts => charts.map(c => {
             let n = c.nextElementSibling;
             while (n && n.tagName === 'SCRIPT') n = n.nextElementSibling;
             const a = n && n.matches('p.humanlike-download') ? n.querySelector('a[download]') : null;
             return {id: c.id, href: a ? a.getAttribute('href') : null, text: a ? a.textContent : null};
           })""",
    )
    hrefs = [link["href"] for link in links]
    assert all(hrefs), f"{page_path}: charts without a download link: {[l['id'] for l in links if not l['href']]}"
    assert len(set(hrefs)) == len(hrefs), f"{page_path}: charts share a CSV: {hrefs}"
    for link in links:
        assert link["text"].strip() == "Download data (CSV)"
        assert link["href"].endswith(".csv"), link
        target = urljoin(url, link["href"])
        assert target.startswith(book_site + "/"), f"{link['href']} leaves the book"
        path = posixpath.normpath(urlparse(target).path).lstrip("/")
        assert (book_html / path).is_file(), f"{path} is not in the built book"
        response = page.request.get(target)
        assert response.status == 200, f"{target}: HTTP {response.status}"
        assert "csv" in response.headers.get("content-type", ""), response.headers.get("content-type")
        rows = list(csv.reader(io.StringIO(response.text())))
        header, n_rows = expected_header_and_rows(embedded(page, link["id"]))
        assert rows[0] == header, f"{target}: header {rows[0]}, the chart draws {header}"
        assert len(rows) - 1 == n_rows, f"{target}: {len(rows) - 1} rows, the chart embeds {n_rows}"
    assert not page_watch.errors, f"{page_path}: browser errors:\n" + "\n".join(page_watch.errors)


# ------------------------------------------------------------------------------------------- narrow screens
@pytest.mark.parametrize("page_path", PAGES or ["<book not built>"])
def test_a_phone_in_dark_mode(page_path, book_html, book_site, phone_page):
    """420 px on a system set to dark: the book follows it (theme ``auto``), nothing scrolls sideways but the tables
    (each in its own box, first column in view), no chart text overlaps another, every mark stands out."""
    page = phone_page
    watch = PageWatch(page, book_site)
    open_drawn(page, f"{book_site}/{page_path}")
    # the theme's script turns "auto" into the system's theme once it runs (later on a busy machine)
    page.wait_for_function("() => document.documentElement.dataset.theme !== 'auto'", timeout=10_000)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark", "the book ignores the system's theme"
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, view: window.innerWidth})")
    assert widths["scroll"] <= widths["view"], f"{page_path}: the page scrolls sideways at 420 px: {widths}"
    too_wide = page.eval_on_selector_all(
        CHART,
        """charts => charts.map(c => {
             const svg = c.querySelector('svg, canvas');
             const box = c.getBoundingClientRect(), drawn = svg ? svg.getBoundingClientRect() : box;
             return {id: c.id, chart: Math.round(drawn.right), container: Math.round(box.right),
                     page: window.innerWidth};
           }).filter(w => w.chart > w.container + 1 || w.chart > w.page)""",
    )
    assert not too_wide, f"{page_path}: charts wider than their container at 420 px: {too_wide}"
    overlaps = page.evaluate(TEXT_OVERLAPS)
    assert not overlaps, f"{page_path}: overlapping chart texts at 420 px: {overlaps[:8]}"
    for table in page.evaluate(TABLES):
        if table["width"] > table["column"]:
            assert table["box"] is not None and table["box"] <= table["column"], f"{page_path}: {table} widens the page"
            assert table["sticky"], f"{page_path}: {table}: the first column scrolls out of view"
        assert not _light(table["background"]), f"{page_path}: {table} sits on a light box in dark mode"
    low = page.evaluate(LOW_CONTRAST, MIN_CONTRAST)
    assert not low, f"{page_path}: marks under {MIN_CONTRAST}:1 on the dark page: {low[:8]}"
    assert not watch.errors, f"{page_path}: browser errors:\n" + "\n".join(watch.errors)


# ------------------------------------------------------------------------------------------- desktop, light
MAX_PAGE_LOAD_BYTES = 3_000_000
FIGURE_1_1 = "chapters/01_noise_robustness.html"


@pytest.mark.parametrize("page_path", PAGES or ["<book not built>"])
def test_a_desktop_reader(page_path, book_html, book_site, first_visit):
    """1280 px, light, one fresh load: the page's weight, chart texts, tables; Figure 1.1's tooltip and shading."""
    page, counter = first_visit  # a first visit: nothing cached
    page.goto(f"{book_site}/{page_path}", wait_until="networkidle")
    page.wait_for_function(DRAWN)
    page.wait_for_timeout(300)
    assert counter.total <= MAX_PAGE_LOAD_BYTES, (
        f"{page_path} loads {counter.total / 1e6:.2f} MB (limit {MAX_PAGE_LOAD_BYTES / 1e6:.0f} MB): "
        f"{counter.largest()}"
    )
    overlaps = page.evaluate(TEXT_OVERLAPS)
    assert not overlaps, f"{page_path}: overlapping chart texts at 1280 px: {overlaps[:8]}"
    for table in page.evaluate(TABLES):
        # nor wider than the box it sits in (which would hide a column behind a scroll bar)
        fits = min(table["column"], table["box"] or table["column"])
        assert table["width"] <= fits + 1, f"{page_path}: a table is wider than the text column or its box: {table}"
    low = page.evaluate(LOW_CONTRAST, MIN_CONTRAST)
    assert not low, f"{page_path}: marks under {MIN_CONTRAST}:1 on the light page: {low[:8]}"
    if page_path == FIGURE_1_1:
        _check_figure_1_1(page)


def _check_figure_1_1(page) -> None:
    chart = page.locator("#figure-1-1 .humanlike-chart")
    shaded = chart.evaluate("c => c.querySelectorAll('svg g.mark-rect path').length")
    assert shaded > 0, "Figure 1.1 does not shade the levels that count towards OOD accuracy"
    point = chart.locator("svg g.mark-symbol path").first
    point.hover(force=True)
    page.wait_for_function(f"() => ({TOOLTIP})() !== null", timeout=5_000)
    rows = dict(row for row in page.evaluate(TOOLTIP) if len(row) == 2)
    numbers = re.findall(r"-?\d+\.\d+", rows.get("interval", ""))
    assert len(numbers) == 2, f"Figure 1.1's tooltip has no interval with two numbers: {rows}"
    assert float(numbers[0]) <= float(numbers[1])
    assert rows.get("condition", rows["level"]) != rows["level"], f"Figure 1.1's tooltip gives the level twice: {rows}"


# ------------------------------------------------------------------------------------------- dark mode
_BACKGROUND = """el => {
  // Vega paints the view's background on the <svg> element itself (style background-color)
  const svg = el.querySelector('svg.marks');
  return svg ? getComputedStyle(svg).backgroundColor : null;
}"""


_BOXES = """el => { const out = [];
  for (let a = el; a && a !== document.body; a = a.parentElement)
    out.push([a.tagName + '.' + a.className, getComputedStyle(a).backgroundColor]);
  return out; }"""


def _transparent(css_colour: str) -> bool:
    return css_colour.startswith("rgba(") and float(css_colour.rstrip(")").split(",")[3]) == 0


def _light(css_colour: str) -> bool:
    return not _transparent(css_colour) and _luminance(css_colour) > 0.5


def _luminance(css_colour: str) -> float:
    parts = [float(v) for v in css_colour[css_colour.index("(") + 1 : css_colour.index(")")].split(",")[:3]]
    return (0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]) / 255


@pytest.mark.parametrize("page_path", CHART_PAGES)
def test_dark_mode_draws_charts_on_a_dark_background(page_path, book_html, book_site, dark_page):
    if page_path not in PAGES:
        pytest.skip("the book is not built")
    page = dark_page  # pydata-sphinx-theme's localStorage says dark before the page loads
    page_watch = PageWatch(page, book_site)
    open_drawn(page, f"{book_site}/{page_path}")
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    for chart_id in chart_ids(page):
        fill = page.locator(f"[id='{chart_id}']").evaluate(_BACKGROUND)
        assert fill and fill.startswith("rgb") and not _transparent(fill), f"{page_path} {chart_id}: background {fill!r}"
        assert _luminance(fill) < 0.3, f"{page_path} {chart_id}: background {fill} is not dark"
        boxes = page.locator(f"[id='{chart_id}']").evaluate(_BOXES)
        light = [b for b in boxes if not _transparent(b[1]) and _luminance(b[1]) > 0.5]
        assert not light, f"{page_path} {chart_id}: the chart sits in a light box in dark mode: {light}"
    low = page.evaluate(LOW_CONTRAST, MIN_CONTRAST)
    assert not low, f"{page_path}: marks under {MIN_CONTRAST}:1 on the dark page: {low[:8]}"
    # Switching back to light redraws the charts light.
    page.evaluate("() => { document.documentElement.dataset.theme = 'light'; document.documentElement.dataset.mode = 'light'; }")
    page.wait_for_function(f"() => [...document.querySelectorAll('{CHART}')].every(c => c.getAttribute('data-theme') === 'light' && c.getAttribute('data-drawn') === '1')")
    for chart_id in chart_ids(page):
        fill = page.locator(f"[id='{chart_id}']").evaluate(_BACKGROUND)
        # light mode: Vega's default, a transparent background on the light page, or a light colour
        assert fill and (_transparent(fill) or _luminance(fill) > 0.7), f"{page_path} {chart_id}: light mode {fill}"
    low = page.evaluate(LOW_CONTRAST, MIN_CONTRAST)
    assert not low, f"{page_path}: marks under {MIN_CONTRAST}:1 after switching to light: {low[:8]}"
    assert not page_watch.errors, f"{page_path}: browser errors:\n" + "\n".join(page_watch.errors)


# ------------------------------------------------------------------------------------------- figures
@pytest.mark.parametrize("page_path", CHART_PAGES)
def test_every_chart_is_a_numbered_figure(page_path, book_html, book_site, page):
    """Every chart of a chapter sits in a <figure> whose caption starts "Figure <chapter>.<n>.", numbered 1, 2, ...
    in page order, and says what is shown (a sentence after the number)."""
    if page_path not in PAGES:
        pytest.skip("the book is not built")
    open_page(page, f"{book_site}/{page_path}")
    chapter = int(posixpath.basename(page_path)[:2])
    figures = page.eval_on_selector_all(
        CHART,
        """charts => charts.map(c => {
             const f = c.closest('figure.humanlike-figure');
             const cap = f ? f.querySelector('figcaption') : null;
             return {id: c.id, figure: f ? f.id : null, caption: cap ? cap.textContent.trim() : null};
           })""",
    )
    for n, fig in enumerate(figures, start=1):
        assert fig["caption"], f"{page_path}: chart {fig['id']} has no numbered caption"
        number = f"Figure {chapter}.{n}."
        assert fig["caption"].startswith(number), f"{page_path}: {fig['caption'][:40]!r}, want {number!r}"
        assert len(fig["caption"]) > len(number) + 20, f"{page_path}: caption too short: {fig['caption']!r}"
        assert fig["figure"] == f"figure-{chapter}-{n}"
