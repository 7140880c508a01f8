"""Shared fixtures. Tests read the public data from the local mirror: $HUMANLIKE_MIRROR, else ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Browser-test fixtures (built book served locally, Playwright on Debian's chromium): see tests/browser.py.
from browser import book_html, book_site, browser_type_launch_args, page_watch  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("HUMANLIKE_MIRROR") or REPO.parent / "shared" / "data").resolve()

# Every test reads the mirror unless it says otherwise; nothing is downloaded.
os.environ["HUMANLIKE_MIRROR"] = str(MIRROR)


@pytest.fixture(scope="session")
def mirror() -> Path:
    assert (MIRROR / "MANIFEST.sha256").is_file(), f"the data mirror is missing at {MIRROR}"
    return MIRROR


@pytest.fixture(scope="session")
def trials(mirror):
    """All published trials (humans and the 9 mirror models, 17 datasets)."""
    from humanlike.data import load_trials

    return load_trials(mirror=mirror)
