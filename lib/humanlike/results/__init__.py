"""Tidy results for the chapters: metrics (:mod:`humanlike.metrics`) combined into the long tables that the
charts draw and that users save as CSV, and each chapter's findings as numbers. No new metric logic lives here;
every function composes metrics.

One module per chapter, plus :mod:`.common` for what they share:

* :mod:`.noise_robustness` (chapter 1), :mod:`.category_errors` (2), :mod:`.image_errors` (3),
  :mod:`.shape_bias` (4), :mod:`.benchmark` (5).

Two helpers every chapter calls are here too: :func:`.third_party.with_third_party` (the ``third_party``
parameter) and :func:`.verdicts.partial_models_note` (naming models that cover part of what is shown).

Every public name of these modules is also available here (``from humanlike import results``;
``results.ood_accuracy(...)``), as the chapters use them.
"""

from __future__ import annotations

from . import benchmark, category_errors, common, image_errors, noise_robustness, shape_bias
from .benchmark import *  # noqa: F401,F403
from .category_errors import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .image_errors import *  # noqa: F401,F403
from .noise_robustness import *  # noqa: F401,F403
from .shape_bias import *  # noqa: F401,F403
from .third_party import with_third_party
from .verdicts import partial_models_note

__all__ = [
    name
    for module in (common, noise_robustness, category_errors, image_errors, shape_bias, benchmark)
    for name in module.__all__
] + ["with_third_party", "partial_models_note"]
