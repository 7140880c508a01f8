"""Shared fixtures. Tests read the public data from the local mirror: $HUMANLIKE_MIRROR, else ../shared/data, else
the download cache (filled beforehand, as the GitHub workflow does)."""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

# Browser-test fixtures (built book served locally, Playwright on Debian's chromium): see tests/browser.py.
from browser import (  # noqa: F401
    _readers,
    book_html,
    book_site,
    browser_type_launch_args,
    dark_page,
    first_visit,
    page,
    page_watch,
    phone_page,
)
from browser import pytest_collection_modifyitems as order_browser_tests_last
from humanlike.startup import without_iri_grammar

with without_iri_grammar():  # Altair's, nbformat's and papermill's jsonschema, 2 s sooner in every test process
    try:
        import jsonschema  # noqa: F401
    except ImportError:  # the core alone (make test-minimum)
        pass

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("HUMANLIKE_MIRROR") or REPO.parent / "shared" / "data").resolve()
if "HUMANLIKE_MIRROR" not in os.environ and not MIRROR.is_dir():
    # No mirror (GitHub Actions): the download cache, filled beforehand, holds the same files in the same layout.
    from humanlike.data import default_cache_dir

    MIRROR = default_cache_dir()

# Every test reads the mirror unless it says otherwise; nothing is downloaded.
os.environ["HUMANLIKE_MIRROR"] = str(MIRROR)

# Tests never touch the real user cache: the trials cache, the memo, downloads, weights and torch's hub cache of
# this test session live in one temporary folder (subprocesses inherit it), removed at the end. `make test` runs the
# suite in several processes (pytest-xdist): the first one to load this file makes the folder and removes it at
# the end, the workers it starts find it in SESSION_ENV and share it (the trials cache, the chapters' runs).
SESSION_ENV = "HUMANLIKE_TEST_SESSION"
if os.environ.get(SESSION_ENV) and Path(os.environ[SESSION_ENV]).is_dir():
    SESSION_DIR = Path(os.environ[SESSION_ENV])
else:
    _session = tempfile.TemporaryDirectory(prefix="humanlike-test-cache-")
    atexit.register(_session.cleanup)
    SESSION_DIR = Path(_session.name)
    os.environ[SESSION_ENV] = str(SESSION_DIR)
os.environ["XDG_CACHE_HOME"] = str(SESSION_DIR)
os.environ["TORCH_HOME"] = str(SESSION_DIR / "torch")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Each worker (and what it starts) computes on one thread: the workers already keep every core busy, and
    # torch's or BLAS's extra threads would only wait for a core, spinning (which more than doubled the CPU time).
    for threads in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(threads, "1")

# Hypothesis keeps no example database, and its other files (a cache of constants) go to the session's temporary
# folder: by default both would be .hypothesis/ in the checkout.
settings.register_profile("humanlike", database=None)
settings.load_profile("humanlike")
set_hypothesis_home_dir(str(SESSION_DIR / "hypothesis"))


#: Fixtures whose tests take seconds (a chapter executed, a batch of command-line processes, a server): their tests
#: are marked slow, and `make test-fast` leaves them out.
SLOW_FIXTURES = {"chapter", "outcomes", "warm_cache", "paper_runs", "two_dirs", "lab_server", "build_book",
                 "actionlint"}


#: Test files whose tests share an expensive module-scoped fixture (a warmed cache and 232 command lines, a Jupyter
#: server, a fake upstream server, an evaluated model): under pytest-xdist (`make test`) each goes to one worker as a
#: whole, so that the fixture is built once; every other test goes wherever a worker is free.
WORKER_GROUPS = ("test_bad_inputs", "test_inference", "test_weights", "test_lab", "test_workflow")

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # no pytest-xdist (make test-minimum): one process, nothing to schedule
    pass
else:

    class _GroupedScheduling(LoadScopeScheduling):
        """xdist's scope scheduling with a scope per file of WORKER_GROUPS and per test otherwise. The scopes with
        the most tests are sent first, so the large groups start early; the rest keep the collection's order
        (the browser tests last). (``--dist loadgroup`` would do this with marks, but with pytest 9.2 it no longer
        changes the tests' ids, so every test is its own group.)"""

        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return file if Path(file).stem in WORKER_GROUPS else nodeid

    def pytest_xdist_make_scheduler(config, log):
        return _GroupedScheduling(config, log)


_SHARED_RUNS = None  # chapter_runs.SharedRuns, started at collection when a selected test needs a chapter


def pytest_collection_modifyitems(items: list) -> None:
    order_browser_tests_last(items)
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session) -> None:
    """Start the chapters' shared runs (in the background: the tests run meanwhile) once the selection is final
    (after -m and -k); a session that selects no test of a chapter starts none. With several workers, each runs a
    chapter it needs that is not done yet, and the first worker also runs the rest in the background."""
    global _SHARED_RUNS
    if any("chapter" in getattr(item, "fixturenames", ()) for item in session.items) and _SHARED_RUNS is None:
        from chapter_runs import SHARED_PARAMETERS, SharedRuns

        background = os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0"
        _SHARED_RUNS = SharedRuns(list(SHARED_PARAMETERS), SESSION_DIR / "chapters", MIRROR, background=background)


def pytest_sessionfinish(session, exitstatus) -> None:
    if _SHARED_RUNS is not None:
        _SHARED_RUNS.close()


@pytest.fixture(scope="session")
def mirror() -> Path:
    assert (MIRROR / "raw-data").is_dir(), f"the data mirror is missing at {MIRROR}"
    return MIRROR


@pytest.fixture(scope="session")
def chapter(mirror):
    """``chapter("03")``: the chapter executed once per session with its shared parameters
    (tests/chapter_runs.py), as JSON; every test about a chapter reads this one execution."""
    assert _SHARED_RUNS is not None, "the shared chapter runs start at collection"
    return _SHARED_RUNS.get


@pytest.fixture(scope="session")
def trials(mirror):
    """All published trials (humans and the 9 mirror models, 17 datasets)."""
    from humanlike.data import load_trials

    return load_trials(mirror=mirror)
