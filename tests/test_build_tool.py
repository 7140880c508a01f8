"""tools/build_book.py: a failing chapter stops the build and shows the failing cell and its error."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "build_book.py"

FAILING = '''# %% [markdown]
# # A chapter with a bug

# %% tags=["parameters"]
divisor = 0  # what to divide by

# %%
ratio = 1 / divisor
'''


@pytest.fixture
def build_book(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_book_under_test", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The tool runs chapters in worker processes, which look its functions up by module name.
    monkeypatch.setitem(sys.modules, spec.name, module)
    # A private tree: the chapter and its outputs live in tmp_path; the stock python3 kernel runs it.
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "CHAPTERS", tmp_path / "book" / "chapters")
    monkeypatch.setattr(module, "WORK", tmp_path / "_build" / "notebooks")
    monkeypatch.setattr(module, "KERNEL_NAME", "python3")
    return module


def test_failing_notebook_stops_the_build_with_cell_and_error(build_book, tmp_path):
    source = tmp_path / "analysis" / "99_broken.py"
    source.parent.mkdir()
    source.write_text(FAILING)
    with pytest.raises(build_book.BuildError) as error:
        build_book.execute([source], {}, jobs=1, timeout=120)
    message = str(error.value)
    assert "analysis/99_broken.py failed" in message
    assert "ratio = 1 / divisor" in message  # the failing cell's source
    assert "ZeroDivisionError" in message
    # the same chapter with a parameter that works runs through
    build_book.execute([source], {"divisor": 4}, jobs=1, timeout=120)
    assert (tmp_path / "book" / "chapters" / "99_broken.ipynb").is_file()


BAD_PARAMETER = '''# %% [markdown]
# # A chapter with a parameter

# %% tags=["parameters"]
bootstrap = 1000  # bootstrap resamples

# %%
from humanlike import params

bootstrap = params.positive_int("bootstrap", bootstrap)
'''


def test_bad_parameter_ends_the_build_with_one_line(build_book, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("HUMANLIKE_DEBUG", raising=False)
    source = tmp_path / "analysis" / "98_parameters.py"
    source.parent.mkdir()
    source.write_text(BAD_PARAMETER)
    with pytest.raises(build_book.BuildError) as error:
        build_book.execute([source], {"bootstrap": -5}, jobs=1, timeout=120)
    assert str(error.value) == "analysis/98_parameters.py: parameter bootstrap: must be a positive integer, not -5"
    # what the command prints: that line after the tool's name, no traceback
    monkeypatch.chdir(tmp_path)  # main() changes into ROOT; restored after the test
    monkeypatch.setattr(build_book, "prepare_assets", lambda: None)
    monkeypatch.setattr(build_book, "sources", lambda only: [source])
    assert build_book.main(["--only", "98", "-p", "bootstrap", "0", "--no-html"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "build_book: analysis/98_parameters.py: parameter bootstrap: must be a positive integer, not 0"
    assert "Traceback" not in err and "File " not in err
