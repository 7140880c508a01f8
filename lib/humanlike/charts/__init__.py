r"""Interactive Altair charts that work in the static book (no kernel, no network).

One module per chapter (:mod:`.noise_robustness`, :mod:`.category_errors`, :mod:`.image_errors`,
:mod:`.shape_bias`, :mod:`.benchmark`), :mod:`.common` for the palette, the controls and the generic builders
(:func:`line_chart`, :func:`bar_chart`, :func:`heatmap`), and :mod:`.render` for the page (:func:`to_html`).
Every builder takes a tidy table and returns an Altair chart; none reads or writes files.

Every public name of these modules is available here (``from humanlike import charts``;
``charts.distortion_chart(...)``). Importing this package enables the Altair renderer ``"humanlike"``.
"""

from __future__ import annotations

import sys


def _import_altair() -> None:
    """Import Altair without the 2 s it would spend on a grammar we never use: Altair imports jsonschema, whose
    format checkers import ``rfc3987_syntax`` when it is installed (Jupyter's jupyter-events installs it), and that
    module compiles an IRI grammar at import. Altair never checks formats, so that checker is left out while
    Altair loads; ``rfc3987_syntax`` stays importable for anyone else afterwards. Every chapter's kernel starts
    about 2 s sooner."""
    if "altair" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import an ImportError
    try:
        import altair  # noqa: F401
    finally:
        del sys.modules["rfc3987_syntax"]


_import_altair()

from . import benchmark, category_errors, common, image_errors, noise_robustness, render, shape_bias  # noqa: E402
from .benchmark import *  # noqa: F401,F403
from .category_errors import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .image_errors import *  # noqa: F401,F403
from .noise_robustness import *  # noqa: F401,F403
from .render import *  # noqa: F401,F403
from .shape_bias import *  # noqa: F401,F403

__all__ = [
    name
    for module in (common, render, noise_robustness, category_errors, image_errors, shape_bias, benchmark)
    for name in module.__all__
]

render.enable()
