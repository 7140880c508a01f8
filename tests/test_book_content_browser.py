"""The landing page's additions in a real browser: the verdict table (four claims, each linking to its chapter)
and the static trial explorer, whose answers change when a dropdown changes, with no kernel.

Needs a built book and Debian's chromium (tests/browser.py); skipped without them unless HUMANLIKE_REQUIRE_BOOK
is set. HUMANLIKE_BOOK_DIR=DIR tests a book built elsewhere.
"""

from __future__ import annotations

import pytest
from browser import chart_ids, choose_option, dropdowns, open_page

pytestmark = pytest.mark.book

INTRO = "chapters/00_introduction.html"


def _explorer(page) -> str:
    """The id of the chart whose dropdowns are the explorer's (dataset, category, image)."""
    for chart_id in chart_ids(page):
        labels = dropdowns(page, chart_id).evaluate_all(
            "selects => selects.map(s => s.closest('label') ? s.closest('label').textContent : '')"
        )
        if any("category" in label for label in labels) and any("image" in label for label in labels):
            return chart_id
    pytest.fail(f"{INTRO}: no explorer chart (dropdowns dataset, category, image)")


def _answers(page, chart_id: str) -> str:
    """The text the explorer draws (captions, names, answers) and its image's address."""
    return page.locator(f"[id='{chart_id}']").evaluate(
        """c => [...c.querySelectorAll('svg text')].map(t => t.textContent).join('|') + '#' +
              [...c.querySelectorAll('svg image')].map(i => (i.getAttribute('href') || '').slice(-40)).join('|')"""
    )


def test_verdict_table_has_four_claims_linking_to_chapters(book_html, book_site, page, page_watch):
    open_page(page, f"{book_site}/{INTRO}")
    rows = page.locator("table#verdicts tbody tr")
    assert rows.count() == 4
    verdicts = {"supported", "partly supported", "not supported", "not testable with these data"}
    for i in range(4):
        cells = rows.nth(i).locator("td")
        assert cells.nth(1).inner_text().strip() in verdicts
        href = cells.first.locator("a").get_attribute("href")  # the claim links to its chapter's take-away
        page_name, _, section = href.partition("#")
        assert (book_html / "chapters" / page_name).is_file(), href
        assert section == "take-away" and 'id="take-away"' in (book_html / "chapters" / page_name).read_text(), href
    assert any("Verdicts" in t for t in page.locator("h2").all_inner_texts())
    assert not page_watch.errors, page_watch.errors


def test_static_explorer_answers_change_with_every_dropdown(book_html, book_site, page, page_watch):
    open_page(page, f"{book_site}/{INTRO}")
    chart_id = _explorer(page)
    selects = dropdowns(page, chart_id)
    assert selects.count() == 3
    for index in range(3):
        n_options = selects.nth(index).locator("option").count()
        if n_options < 2:
            continue
        for round_ in range(2):  # every control twice, as a reader clicking back and forth
            before = _answers(page, chart_id)
            current = selects.nth(index).evaluate("s => s.selectedIndex")
            assert choose_option(page, chart_id, index, (current + 1) % n_options), (index, round_)
            after = _answers(page, chart_id)
            assert after != before, f"dropdown {index}: the explorer's answers did not change"
            assert "subject-" in after  # the human observers' answers are drawn
    assert not page_watch.errors, page_watch.errors
