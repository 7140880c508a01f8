#!/usr/bin/env python
"""Build the book: execute each analysis notebook, then render the static, offline HTML in _build/html.

    python tools/build_book.py                     # everything (what `make book` runs)
    python tools/build_book.py --only 04           # re-execute chapter 04 only, then rebuild the HTML
    python tools/build_book.py --only 04 -p models '["resnet50", "efficientnet-lite0"]' -p extra_dirs '["runs/"]'
    python tools/build_book.py --only 04 -y 'models: [resnet50, "swag-*"]'
    python tools/build_book.py --skip-execute      # keep book/chapters/*.ipynb, rebuild the HTML only
    python tools/build_book.py --parameters 04     # list chapter 04's parameters (papermill --help-notebook)

Steps (each timed):
1. assets: vega + vega-lite + vega-embed as one script from the pinned vl-convert-python wheel (its Vega-Lite
   version matched to Altair's), the ipywidgets HTML manager and MathJax 3 from the pinned npm packages
   (`npm ci` against package-lock.json, skipped while node_modules matches the lock file), copied under
   _build/assets/. The kernelspec "humanlike" (this Python) is registered inside the environment.
2. execute: analysis/NN_<topic>.py (jupytext percent format) -> ipynb -> papermill -> book/chapters/NN_<topic>.ipynb,
   with the working directory at the repository root. A failing cell stops the build: its source and error are
   printed, and the partly executed notebook is kept for inspection. A chapter stopped by bad input (a wrong
   parameter, an unknown model, a malformed file: humanlike's own errors) ends the build with that one line
   instead (HUMANLIKE_DEBUG=1 shows the traceback).
3. html: jupyter-book build book --config _config.yml --toc _toc.yml --path-output . -W -n --keep-going
   (notebooks are not executed again there). A chapter listed in _toc.yml whose analysis/ source does not
   exist yet gets a placeholder page (book/chapters/NN_<topic>.md), with a notice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from humanlike.startup import without_iri_grammar

with without_iri_grammar():  # nbformat's and papermill's jsonschema, 2 s sooner
    import jsonschema  # noqa: F401

#: Python code that runs its statement in :func:`humanlike.startup.without_iri_grammar` (in another process).
WITHOUT_IRI_GRAMMAR = """import sys
from humanlike.startup import without_iri_grammar
with without_iri_grammar():
    {statement}
"""

ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = ROOT / "analysis"
BOOK = ROOT / "book"
CHAPTERS = BOOK / "chapters"
BUILD = ROOT / "_build"
ASSETS = BUILD / "assets"
STATIC = ASSETS / "static"
EXTRA = ASSETS / "extra"
HTML = BUILD / "html"
WORK = BUILD / "notebooks"  # intermediate, unexecuted .ipynb
CHART_DATA = CHAPTERS / "data"  # the charts' CSV files, written while the chapters run; served as chapters/data/
KERNEL_NAME = "humanlike"
MAX_PAGE_BYTES = 5_000_000
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _terminal(text: object) -> str:
    """``text`` with control characters escaped (humanlike.text.terminal_text), lines kept."""
    try:
        from humanlike.text import terminal_text
    except ImportError:
        return str(text)
    return "\n".join(terminal_text(line, limit=10_000) for line in str(text).splitlines())


def log(message: str) -> None:
    print(message, flush=True)


class BuildError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------------ assets
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _vega_bundle() -> None:
    """One script defining window.vegaEmbed / vega / vegaLite, from the pinned vl-convert-python wheel."""
    from importlib.metadata import version

    target = STATIC / "humanlike-vega.js"
    # The installed versions decide the bundle: known without importing altair and vl-convert (seconds), so a
    # warm rebuild of one chapter does not pay for them.
    installed = f"altair {version('altair')}, vl-convert-python {version('vl-convert-python')}"
    if target.exists() and installed in target.read_text(errors="replace").partition("\n")[0]:
        return
    import altair as alt
    import vl_convert as vlc

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    available = vlc.get_vegalite_versions()
    vl_version = wanted if wanted in available else available[-1]
    stamp = f"{installed}, vega-lite {vl_version}, wrapped"
    if vl_version != wanted:
        log(f"  note: vl-convert has no Vega-Lite {wanted} (Altair {alt.__version__}); using {vl_version}")
    header = (
        f"/* {stamp}, vega {vlc.get_vega_version()}, vega-embed {vlc.get_vega_embed_version()}.\n"
        " * Bundled by vl_convert.javascript_bundle() (vega, vega-lite, vega-embed: BSD-3-Clause, (c) the Vega\n"
        " * project / University of Washington Interactive Data Lab). Defines window.vegaEmbed, vega, vegaLite. */\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Classic scripts share one global lexical scope: wrap the bundle so that its top-level const/let names
    # cannot collide with other scripts of the page; it publishes vegaEmbed, vega and vegaLite on window.
    body = vlc.javascript_bundle(vl_version=vl_version)
    target.write_text(f"{header}(function () {{\n{body}\n}})();\n", encoding="utf-8")


def _npm_packages() -> None:
    """`npm ci` from package-lock.json unless node_modules already matches it."""
    lock = ROOT / "package-lock.json"
    stamp = ROOT / "node_modules" / ".humanlike-lock.sha256"
    digest = _sha256(lock)
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed once to install the pinned book assets (apt-get install -y npm)")
    log("  npm ci (pinned: @jupyter-widgets/html-manager, mathjax)")
    cmd = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"npm ci failed:\n{done.stdout}\n{done.stderr}")
    stamp.write_text(digest)


def _copy_tree(src: Path, dst: Path, keep: callable = lambda p: True) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    for path in src.rglob("*"):
        if path.is_file() and keep(path):
            out = dst / path.relative_to(src)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)


def _copy_node_assets() -> None:
    stamp = ASSETS / ".node-assets.sha256"
    digest = _sha256(ROOT / "package-lock.json")
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    modules = ROOT / "node_modules"
    # ipywidgets HTML manager, non-AMD build (no require.js), with its fonts beside it.
    manager = modules / "@jupyter-widgets" / "html-manager" / "dist"
    _copy_tree(
        manager,
        STATIC / "jupyter-widgets",
        lambda p: p.parent == manager and p.suffix != ".map" and not p.name.startswith(("embed-amd", "libembed")),
    )
    # MathJax 3 (es5 components + fonts); served from the site root through html_extra_path.
    _copy_tree(modules / "mathjax" / "es5", EXTRA / "mathjax", lambda p: p.suffix != ".map")
    shutil.copy2(modules / "mathjax" / "LICENSE", EXTRA / "mathjax" / "LICENSE")
    stamp.write_text(digest)


def _kernelspec() -> None:
    """Register the kernel "humanlike" (this interpreter) inside this environment (ipykernel --sys-prefix)."""
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"
    if spec.exists() and json.loads(spec.read_text())["argv"][0] == sys.executable:
        return
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (humanlike)", prefix=sys.prefix)


def _favicon() -> None:
    """/favicon.ico at the site root: browsers ask for it on pages without an icon link (the index redirect)."""
    target = EXTRA / "favicon.ico"
    if target.exists():
        return
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((3, 8, 19, 24), fill="#D55E00")  # the colours of humans and supervised models
    draw.rounded_rectangle((16, 8, 29, 24), radius=2, fill="#0072B2")
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, sizes=[(16, 16), (32, 32)])


def prepare_assets() -> None:
    _favicon()
    _vega_bundle()
    _npm_packages()
    _copy_node_assets()
    _kernelspec()


# ------------------------------------------------------------------------------------------------ chapters
def sources(only: list[str] | None = None) -> list[Path]:
    found = sorted(ANALYSIS.glob("[0-9][0-9]_*.py"))
    if only:
        wanted = [s.removesuffix(".py") for s in only]
        picked = [p for p in found if any(p.stem == w or p.stem.startswith(f"{w}_") for w in wanted)]
        missing = [w for w in wanted if not any(p.stem == w or p.stem.startswith(f"{w}_") for p in picked)]
        if missing:
            raise BuildError(f"no analysis/ notebook for {', '.join(missing)} (have: {[p.stem for p in found]})")
        return picked
    return found


def to_ipynb(source: Path, folder: Path | None = None) -> Path:
    """The chapter as an unexecuted notebook in ``folder`` (default: WORK)."""
    import jupytext

    nb = jupytext.read(source)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python (humanlike)", "language": "python"}
    nb.metadata.setdefault("language_info", {"name": "python"})
    folder = WORK if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem}.ipynb"
    jupytext.write(nb, target)
    return target


def _execute(source: str, parameters: dict, timeout: int | None = None) -> tuple[str, float, str | None, str]:
    """Worker: convert and execute one chapter. Returns (name, seconds, error report or None, kernel stderr)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    src = Path(source)
    output = CHAPTERS / f"{src.stem}.ipynb"
    report = None
    # The kernel inherits this worker's stderr: capture it, to drop known noise and show the rest per chapter.
    with tempfile.TemporaryFile() as captured:
        saved = os.dup(2)
        os.dup2(captured.fileno(), 2)
        try:
            notebook = to_ipynb(src)
            # The kernel inherits these: humanlike.charts writes each chart's rows to CHART_DATA/<stem>-chart-<k>.csv
            # and links them; the chapter's old files go first, so that none is stale.
            for old in CHART_DATA.glob(f"{src.stem}-*.csv"):
                old.unlink()
            os.environ["HUMANLIKE_CHART_DATA"] = str(CHART_DATA)
            os.environ["HUMANLIKE_CHAPTER"] = src.stem
            for attempt in (1, 2):
                try:
                    pm.execute_notebook(
                        str(notebook),
                        str(output),
                        parameters=parameters,
                        kernel_name=KERNEL_NAME,
                        cwd=str(ROOT),
                        progress_bar=False,
                        log_output=False,
                        request_save_on_cell_execute=False,
                        execution_timeout=timeout,
                        # every cell has run and its outputs are in: stop the kernel rather than wait about
                        # 0.5 s for it to shut down politely
                        shutdown_kernel="immediate",
                    )
                    break
                except Exception as err:
                    # Kernels started at the same moment by parallel chapters can race for a free port
                    # (jupyter_client picks ports before the kernel binds them): start such a chapter once more.
                    if attempt == 2 or not _kernel_start_race(err):
                        raise
                    log(f"  {src.stem}: kernel start failed ({err}); starting it once more")
        except PapermillExecutionError as err:
            if err.ename in _user_errors() and os.environ.get("HUMANLIKE_DEBUG") != "1":
                # A wrong parameter or input file: its one-line reason, not the library's internals.
                report = f"{src.relative_to(ROOT)}: {' '.join(str(err.evalue).split())}"
            else:
                trace = ANSI.sub("", "\n".join(err.traceback or []))
                report = (
                    f"cell [{err.exec_count}] of {src.relative_to(ROOT)} failed:\n"
                    f"{_indent(_cell_source(output, err.exec_count))}\n{err.ename}: {err.evalue}\n"
                    f"{_indent(trace)}\n(partly executed notebook: {output.relative_to(ROOT)})"
                )
        except Exception as err:  # conversion or kernel start-up problems
            report = f"{src.relative_to(ROOT)}: {type(err).__name__}: {err}"
        else:
            report = _shown_errors(output, src)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        # Known harmless kernel chatter: the ZMQ transport notice, and the KeyboardInterrupt a kernel logs when
        # papermill shuts it down after the last cell.
        noise = ("running over TCP without encryption", "KeyboardInterrupt caught in kernel")
        stderr = "\n".join(
            line for line in captured.read().decode(errors="replace").splitlines()
            if line.strip() and not any(n in line for n in noise)
        )
    return src.stem, time.perf_counter() - start, report, stderr


def _kernel_start_race(error: Exception) -> bool:
    """Whether ``error`` is a kernel that failed to start or bind its ports (not an error in a chapter's cells)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(error, PapermillExecutionError):
        return False
    text = f"{type(error).__name__}: {error}"
    return any(sign in text for sign in ("Address already in use", "Kernel died before replying", "DeadKernelError"))


def _user_errors() -> set[str]:
    """Names of the exceptions humanlike raises on purpose for bad input (:class:`humanlike.errors.HumanlikeError`
    and its subclasses, e.g. ``ParameterError``, ``UnknownNameError``, ``DataFileError``): a chapter that stops
    with one of them is reported by its message alone (``HUMANLIKE_DEBUG=1`` shows the traceback)."""
    import importlib

    try:
        errors = importlib.import_module("humanlike.errors")
    except ImportError:
        return set()
    for module in ("humanlike.params", "humanlike.data", "humanlike.inference.stimuli", "humanlike.inference.outputs"):
        try:  # modules that define subclasses of their own
            importlib.import_module(module)
        except Exception:
            pass
    found, todo = set(), [errors.HumanlikeError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def _shown_errors(notebook: Path, source: Path) -> str | None:
    """Tracebacks that a cell displayed without failing (e.g. from a display formatter): a build error too,
    unless the cell is tagged ``raises-exception``."""
    found = []
    for cell in json.loads(notebook.read_text())["cells"]:
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell [{cell.get('execution_count')}]:\n{_indent(''.join(cell['source']))}\n"
                             f"{out.get('ename')}: {out.get('evalue')}")
    if not found:
        return None
    return f"{source.relative_to(ROOT)} shows error output(s):\n" + "\n".join(found)


def _cell_source(notebook: Path, execution_count: int | None) -> str:
    """Source of the code cell with this execution count (papermill adds cells, so indices shift)."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
        return next("".join(c["source"]) for c in cells if c.get("execution_count") == execution_count)
    except Exception:
        return "<cell source unavailable>"


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def execute(chapters: list[Path], parameters: dict, jobs: int, timeout: int | None = None) -> None:
    CHAPTERS.mkdir(parents=True, exist_ok=True)
    failures = []
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(chapters)))) as pool:
        futures = {pool.submit(_execute, str(c), parameters, timeout): c for c in chapters}
        for future in as_completed(futures):
            if future.cancelled():
                continue
            name, seconds, error, stderr = future.result()
            if stderr:
                log(f"  {name} (kernel stderr):\n{_indent(stderr)}")
            if error:
                failures.append(error)
                log(f"  {name}: FAILED after {seconds:.1f} s")
                for other in futures:
                    other.cancel()
            else:
                log(f"  {name}: {seconds:.1f} s")
    if len(failures) == 1 and "\n" not in failures[0]:
        raise BuildError(failures[0])  # a chapter's one-line reason (e.g. "parameter bootstrap: ...")
    if failures:
        raise BuildError("notebook execution failed\n\n" + "\n\n".join(failures))


def parse_parameters(pairs: list[list[str]], yamls: list[str]) -> dict:
    """papermill-style -p NAME VALUE (VALUE parsed as JSON when it can be) and -y YAML (a mapping); a YAML error
    or another document than a mapping is one line (BuildError)."""
    import yaml

    params: dict = {}
    for text in yamls:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as error:
            where = getattr(error, "problem_mark", None)
            at = f" at line {where.line + 1}, column {where.column + 1}" if where is not None else ""
            raise BuildError(f"-y: not valid YAML{at} ({getattr(error, 'problem', None) or type(error).__name__})")
        if value is not None and not (isinstance(value, dict) and all(isinstance(k, str) for k in value)):
            raise BuildError(
                f"-y: expected a mapping of parameter names to values (NAME: VALUE), got {type(value).__name__}"
            )
        params.update(value or {})
    for name, value in pairs:
        try:
            params[name] = json.loads(value)
        except json.JSONDecodeError:
            params[name] = value
    return params


def check_parameter_names(chapters: list[Path], params: dict) -> None:
    """Refuse, before anything runs, a parameter that none of ``chapters`` takes (one line, with a did-you-mean;
    :func:`humanlike.params.parameter_names`)."""
    if not params:
        return
    import papermill

    from humanlike import params as checks

    known: set[str] = set()
    with tempfile.TemporaryDirectory() as scratch:  # nothing of the build is touched before the check
        for chapter in chapters:
            known.update(papermill.inspect_notebook(str(to_ipynb(chapter, Path(scratch)))))
    where = f"chapter {chapters[0].stem[:2]}" if len(chapters) == 1 else "the chapters built"
    try:
        checks.parameter_names(params, known, where)
    except checks.ParameterError as error:
        raise BuildError(str(error)) from None


def show_parameters(chapter: str) -> None:
    """Print a chapter's parameters as papermill reads them (name, type, default, help comment)."""
    import papermill

    (source,) = sources([chapter])
    parameters = papermill.inspect_notebook(str(to_ipynb(source)))
    log(f"Parameters of {source.relative_to(ROOT)} (set them with -p NAME VALUE or -y YAML):")
    for p in parameters.values():
        log(f"  {p['name']}: {p['inferred_type_name']} (default {p['default']})\n      {p['help']}")


# ------------------------------------------------------------------------------------------------ html
def toc_chapters() -> list[str]:
    """The generated chapters named in _toc.yml (``chapters/NN_<topic>`` entries), in order."""
    import yaml

    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            file = node.get("file") or node.get("root") or ""
            if isinstance(file, str) and file.startswith("chapters/"):
                found.append(file.split("/", 1)[1])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))
    return found


def stub_pending_chapters() -> list[str]:
    """Write a placeholder page for each _toc.yml chapter without an analysis/ source (and drop stale ones)."""
    pending = []
    for stem in toc_chapters():
        stub = CHAPTERS / f"{stem}.md"
        if (ANALYSIS / f"{stem}.py").exists():
            stub.unlink(missing_ok=True)
            continue
        pending.append(stem)
        (CHAPTERS / f"{stem}.ipynb").unlink(missing_ok=True)  # executed from a source that is gone
        title = stem.split("_", 1)[-1].replace("_", " ").capitalize()
        CHAPTERS.mkdir(parents=True, exist_ok=True)
        stub.write_text(
            f"# {title}\n\n```{{note}}\nThis chapter is not written yet: its source "
            f"`analysis/{stem}.py` does not exist.\n```\n"
        )
    return pending


#: What the jupyter-book process imports while the chapters execute (on another core), so that the HTML step only
#: builds: jupyter-book, Sphinx and the book's extensions (_config.yml) take about 2 s to import.
_WARM_IMPORTS = (
    "jupyter_book.sphinx", "sphinx.application", "myst_nb", "sphinx_togglebutton", "sphinx_copybutton",
    "sphinx_comments", "sphinx_external_toc", "sphinx_design", "sphinx_book_theme", "sphinxcontrib.bibtex",
)  # fmt: skip


def start_html_builder(strict: bool = True) -> subprocess.Popen:
    """jupyter-book's ``build`` command in a process of its own that imports what it needs now and builds when
    :func:`build_html` tells it to (a line ``build`` on its stdin; anything else ends it)."""
    imports = "\n    ".join(["from jupyter_book.cli.main import main", *(f"import {m}" for m in _WARM_IMPORTS)])
    # at a lower priority: its imports give way to the chapters' kernels (it is alone by the time it builds)
    launch = "import os\nos.nice(10)\n" + WITHOUT_IRI_GRAMMAR.format(statement=imports)
    launch += "if sys.stdin.readline().strip() != 'build':\n    sys.exit(0)\nsys.argv[0] = 'jupyter-book'\nsys.exit(main())\n"
    cmd = [sys.executable, "-c", launch, "build", str(BOOK), "--config", str(ROOT / "_config.yml")]
    cmd += ["--toc", str(ROOT / "_toc.yml"), "--path-output", str(ROOT), "--builder", "html"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    return subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def build_html(strict: bool = True, builder: subprocess.Popen | None = None) -> None:
    """The HTML of the book from the executed chapters, with ``builder`` (:func:`start_html_builder`) if given."""
    pending = stub_pending_chapters()
    if pending:
        log(f"  NOTE: no analysis/ source yet for {', '.join(pending)}: placeholder pages")
    expected = [p.stem for p in sources()]
    missing = [s for s in expected if not (CHAPTERS / f"{s}.ipynb").exists()]
    if missing:
        raise BuildError(
            f"not executed yet: {', '.join(missing)}: run `python tools/build_book.py` once (or --only {' '.join(m[:2] for m in missing)})"
        )
    builder = builder or start_html_builder(strict)
    stdout, stderr = builder.communicate("build\n")
    if builder.returncode != 0:
        raise BuildError(f"jupyter-book build failed:\n{stdout[-6000:]}\n{stderr[-6000:]}")
    warnings = [ln for ln in (stdout + stderr).splitlines() if "WARNING" in ln]
    for line in warnings:
        log(f"  {line}")
    # Sphinx copies the static files only when some page changed: a stylesheet or script edited since the last
    # build would stay stale in the HTML, so the book's own assets are copied over every time.
    for asset in (BOOK / "assets").iterdir():
        if asset.is_file():
            shutil.copy2(asset, HTML / "_static" / asset.name)
    # The charts' "Download data (CSV)" links point to data/<file> beside the chapter's page.
    served = HTML / "chapters" / "data"
    if served.exists():
        shutil.rmtree(served)
    if CHART_DATA.is_dir():
        shutil.copytree(CHART_DATA, served, ignore=shutil.ignore_patterns(".*"))
    dropped = slim_pages(HTML)
    if dropped:
        log(f"  slimmed {len(dropped)} page(s): " + "; ".join(f"{page} (-{', '.join(d)})" for page, d in dropped.items()))
    too_big = [(p, p.stat().st_size) for p in HTML.rglob("*.html") if p.stat().st_size > MAX_PAGE_BYTES]
    if too_big:
        listing = ", ".join(f"{p.relative_to(ROOT)} ({n / 1e6:.1f} MB)" for p, n in too_big)
        raise BuildError(f"pages over {MAX_PAGE_BYTES / 1e6:.0f} MB (embed aggregated data only): {listing}")


# The scripts a page loads only for something it shows: (name, pattern of the <script> element(s) in the page,
# whether the page needs it). jupyter-book puts the same head on every page; these are taken out where unused.
_WIDGET_VIEW = 'type="application/vnd.jupyter.widget-view+json"'
_PAGE_SCRIPTS: list[tuple[str, re.Pattern[str], callable]] = [
    # ipywidgets: the 1.9 MB HTML manager and the saved widget state, only where a live widget is drawn
    ("widget state", re.compile(r'\s*<script type="application/vnd\.jupyter\.widget-state\+json">.*?</script>', re.S),
     lambda page: _WIDGET_VIEW in page),
    ("widget manager", re.compile(r'\s*<script[^>]*src="[^"]*jupyter-widgets/embed\.js[^"]*"[^>]*></script>'),
     lambda page: _WIDGET_VIEW in page),
    # MathJax (configuration and loader), only where there is math to typeset
    ("MathJax", re.compile(r'\s*<script>window\.MathJax = .*?</script>|\s*<script[^>]*src="[^"]*mathjax/[^"]*"[^>]*></script>', re.S),
     lambda page: 'class="math' in page or _WIDGET_VIEW in page),
    # vega + vega-lite + vega-embed, only where a chart is drawn
    ("vega", re.compile(r'\s*<script[^>]*src="[^"]*humanlike-vega\.js[^"]*"[^>]*></script>'),
     lambda page: 'data-humanlike-chart="1"' in page),
    # Font Awesome's 1.5 MB SVG-icon script: the theme's style sheet already draws the same icons with its web font
    ("Font Awesome script", re.compile(r'\s*<script[^>]*src="[^"]*scripts/fontawesome\.js[^"]*"[^>]*></script>'),
     lambda page: False),
    # the search index and its code, only on the search page (the search box of the others just opens it)
    ("search index", re.compile(r'\s*<script[^>]*src="[^"]*(?:searchindex|searchtools|language_data)\.js[^"]*"[^>]*></script>'),
     lambda page: 'id="search-results"' in page),
    # sphinx-design (tabs, cards, grids), only where such an element is used
    ("sphinx-design", re.compile(r'\s*<script[^>]*src="[^"]*design-tabs\.js[^"]*"[^>]*></script>|'
                                 r'\s*<link[^>]*href="[^"]*sphinx-design\.min\.css[^"]*"[^>]*>'),
     lambda page: re.search(r'class="[^"]*\bsd-', page) is not None),
]


def slim_pages(html: Path) -> dict[str, list[str]]:
    """Take the scripts a page does not use out of its HTML (:data:`_PAGE_SCRIPTS`); returns what went, by page."""
    dropped: dict[str, list[str]] = {}
    for path in sorted(html.rglob("*.html")):
        if path.relative_to(html).parts[0] in ("_static", "_sources", "mathjax"):
            continue
        text = original = path.read_text(encoding="utf-8")
        for name, pattern, needed in _PAGE_SCRIPTS:
            if not needed(text):
                text, count = pattern.subn("", text)
                if count:
                    dropped.setdefault(path.relative_to(html).as_posix(), []).append(name)
        if text != original:
            path.write_text(text, encoding="utf-8")
    return dropped


# ------------------------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", metavar="NN", help="execute only these chapters (e.g. 04 or 04_shape_bias)")
    parser.add_argument("--skip-execute", action="store_true", help="do not execute notebooks; rebuild the HTML")
    parser.add_argument("--no-html", action="store_true", help="execute notebooks only")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="notebook parameter (VALUE as JSON if it parses, else text); repeatable")
    parser.add_argument("-y", "--parameters-yaml", action="append", default=[], metavar="YAML",
                        help="notebook parameters as a YAML mapping; repeatable")
    parser.add_argument("--parameters", metavar="NN", help="list the parameters of chapter NN and exit")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks run in parallel")
    parser.add_argument("--cell-timeout", type=int, default=900, help="seconds one notebook cell may run")
    parser.add_argument("--no-strict", action="store_true", help="do not turn Sphinx warnings into errors")
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    builder = None
    mirror = ROOT.parent / "shared" / "data"
    if "HUMANLIKE_MIRROR" not in os.environ and mirror.is_dir():
        os.environ["HUMANLIKE_MIRROR"] = str(mirror)
    try:
        if args.parameters:
            show_parameters(args.parameters)
            return 0
        if not args.skip_execute:  # wrong parameters stop the build before anything is done
            chapters = sources(args.only)
            params = parse_parameters(args.parameter, args.parameters_yaml)
            check_parameter_names(chapters, params)
        timings: list[tuple[str, float]] = []
        t0 = time.perf_counter()
        builder = None if args.no_html else start_html_builder(strict=not args.no_strict)
        log("[1/3] assets")
        prepare_assets()
        timings.append(("assets", time.perf_counter() - t0))

        if not args.skip_execute:
            log(f"[2/3] execute {len(chapters)} notebook(s)" + (f" with {params}" if params else ""))
            t = time.perf_counter()
            execute(chapters, params, args.jobs, args.cell_timeout)
            timings.append(("execute", time.perf_counter() - t))
        else:
            log("[2/3] execute: skipped")

        if not args.no_html:
            log("[3/3] html")
            t = time.perf_counter()
            build_html(strict=not args.no_strict, builder=builder)
            timings.append(("html", time.perf_counter() - t))
            log(f"  -> {(HTML / 'index.html').relative_to(ROOT)}")
        total = time.perf_counter() - t0
        log("timings: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in timings) + f"; total {total:.1f} s")
    except BuildError as err:
        print(f"build_book: {_terminal(err)}", file=sys.stderr, flush=True)
        return 1
    finally:
        if builder is not None and builder.poll() is None:  # the build stopped before the HTML step
            builder.communicate("stop\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
