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

from ..startup import without_iri_grammar


def _import_altair() -> None:
    """Import Altair without the 2 s its jsonschema would spend compiling a grammar we never use
    (:func:`humanlike.startup.without_iri_grammar`): every chapter's kernel starts about 2 s sooner."""
    if "altair" in sys.modules:
        return
    with without_iri_grammar():
        import altair  # noqa: F401


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
