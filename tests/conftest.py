"""Shared fixtures. Tests read the public data from the local mirror: $HUMANLIKE_MIRROR, else ../shared/data, else
the download cache (filled beforehand, as the GitHub workflow does)."""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Browser-test fixtures (built book served locally, Playwright on Debian's chromium): see tests/browser.py.
from browser import (  # noqa: F401
    book_html,
    book_site,
    browser_type_launch_args,
    page_watch,
    pytest_collection_modifyitems,
)

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("HUMANLIKE_MIRROR") or REPO.parent / "shared" / "data").resolve()
if "HUMANLIKE_MIRROR" not in os.environ and not MIRROR.is_dir():
    # No mirror (GitHub Actions): the download cache, filled beforehand, holds the same files in the same layout.
    from humanlike.data import default_cache_dir

    MIRROR = default_cache_dir()

# Every test reads the mirror unless it says otherwise; nothing is downloaded.
os.environ["HUMANLIKE_MIRROR"] = str(MIRROR)

# Tests never touch the real user cache: the trials cache, the memo, downloads, weights and torch's hub cache of
# this test session live in one temporary folder (subprocesses inherit it), removed at the end.
_SESSION_CACHE = tempfile.TemporaryDirectory(prefix="humanlike-test-cache-")
os.environ["XDG_CACHE_HOME"] = _SESSION_CACHE.name
os.environ["TORCH_HOME"] = str(Path(_SESSION_CACHE.name) / "torch")
atexit.register(_SESSION_CACHE.cleanup)

# Hypothesis keeps no example database (it would be .hypothesis/ in the checkout).
settings.register_profile("humanlike", database=None)
settings.load_profile("humanlike")


@pytest.fixture(scope="session")
def mirror() -> Path:
    assert (MIRROR / "raw-data").is_dir(), f"the data mirror is missing at {MIRROR}"
    return MIRROR


@pytest.fixture(scope="session")
def trials(mirror):
    """All published trials (humans and the 9 mirror models, 17 datasets)."""
    from humanlike.data import load_trials

    return load_trials(mirror=mirror)
