"""The built book (_build/html) in a real browser: offline, interactive, and free of console errors.

Needs `make book` first and Debian's chromium (`apt-get install -y chromium`), driven headless by Playwright
(pytest-playwright; fixtures and helpers in tests/browser.py). Without a built book (or without chromium) the
tests skip, unless the environment variable HUMANLIKE_REQUIRE_BOOK is set (as CI does after building the book):
then they fail. HUMANLIKE_BOOK_DIR=/path/to/_build/html tests a book built elsewhere.

For every page of the book:
* no request leaves the page's own origin (a local http server on 127.0.0.1);
* every chart container (``.humanlike-chart``) holds an ``svg`` or ``canvas``;
* choosing another option in each chart's dropdown changes the rendered chart;
* ipywidgets outputs are rendered by the bundled HTML manager;
* the browser logs no console error, uncaught exception or failed request.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import (
    ROOT,
    WIDGETS,
    book_dir,
    book_pages,
    chart_state,
    choose_option,
    dropdowns,
    open_page,
    unavailable,
)

pytestmark = pytest.mark.book

PAGES = book_pages()


def test_book_is_built() -> None:
    html = book_dir()
    if not PAGES:
        unavailable(f"the book is not built ({html} has no pages): run `make book`")
    chapters = sorted(p.stem for p in (ROOT / "analysis").glob("[0-9][0-9]_*.py"))
    missing = [c for c in chapters if f"chapters/{c}.html" not in PAGES]
    assert not missing, f"analysis notebooks without a built page: {missing}"
    for page in PAGES:
        size = (html / page).stat().st_size
        assert size < 5_000_000, f"{page} is {size / 1e6:.1f} MB (limit 5 MB)"


def test_no_page_shows_a_python_repr_instead_of_content() -> None:
    # A cell that returns an object without a rich display (e.g. Markdown("") of an empty note) puts its repr,
    # "<IPython.core.display.Markdown object>", on the page: readers must never see such internals.
    if not PAGES:
        unavailable(f"the book is not built ({book_dir()} has no pages): run `make book`")
    repr_text = re.compile(r"&lt;[A-Za-z_][\w.]* object(?: at 0x[0-9a-f]+)?&gt;")
    shown = {
        page: found.group(0)
        for page in PAGES
        if (found := repr_text.search((book_dir() / page).read_text(errors="replace")))
    }
    assert not shown, f"pages showing a Python repr: {shown}"


def test_pages_carry_only_the_scripts_they_use() -> None:
    # tools/build_book.py takes out what a page does not use: the ipywidgets manager and state without a live
    # widget, MathJax without math, vega without a chart, Font Awesome's icon script (the theme's font draws them).
    if not PAGES:
        unavailable(f"the book is not built ({book_dir()} has no pages): run `make book`")
    wrong = {}
    for page in PAGES:
        text = (book_dir() / page).read_text(errors="replace")
        widgets = 'type="application/vnd.jupyter.widget-view+json"' in text
        found = [
            name
            for name, present, used in [
                ("widget state", "application/vnd.jupyter.widget-state+json" in text, widgets),
                ("widget manager", "jupyter-widgets/embed.js" in text, widgets),
                ("MathJax", "mathjax/" in text, 'class="math' in text or widgets),
                ("vega", "humanlike-vega.js" in text, 'data-humanlike-chart="1"' in text),
                ("Font Awesome script", "scripts/fontawesome.js" in text, False),
            ]
            if present and not used
        ]
        if found:
            wrong[page] = found
    assert not wrong, f"pages loading scripts they do not use: {wrong}"
    methods = (book_dir() / "methods.html").read_text()
    assert 'class="math' in methods and "mathjax/startup.js" in methods, "a page with math lost MathJax"


@pytest.mark.parametrize("page_path", PAGES or ["<book not built>"])
def test_page_offline_interactive_and_clean(page_path: str, book_html: Path, book_site: str, page, page_watch) -> None:
    open_page(page, f"{book_site}/{page_path}")
    charts = chart_state(page)
    for chart in charts:
        assert chart["drawn"], f"{page_path}: chart {chart['id']} holds no svg/canvas ({chart['error']})"

    widgets = page.evaluate(WIDGETS)
    if widgets["views"]:
        try:
            page.wait_for_function(f"() => ({WIDGETS})().rendered > 0", timeout=15_000)
        except Exception:
            pytest.fail(f"{page_path}: {widgets['views']} ipywidgets output(s) not rendered by the HTML manager")

    for chart in charts:
        for index in range(chart["selects"]):
            select = dropdowns(page, chart["id"]).nth(index)
            n_options = select.locator("option").count()
            if n_options < 2:
                continue
            current = select.evaluate("s => s.selectedIndex")
            other = (current + 1) % n_options
            changed = choose_option(page, chart["id"], index, other)
            assert changed, (
                f"{page_path}: choosing {select.input_value()!r} in dropdown {index} of chart {chart['id']} "
                "did not change the chart"
            )

    page.wait_for_timeout(500)  # late requests (fonts, lazily loaded MathJax parts)
    assert not page_watch.foreign, f"{page_path}: requests leave the page's origin: {page_watch.foreign}"
    assert not page_watch.errors, f"{page_path}: browser errors:\n" + "\n".join(page_watch.errors)
