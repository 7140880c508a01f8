"""Tidy results for the chapters: metrics (``humanlike.metrics``) combined into the long tables that the
charts draw and that users save as CSV. No new metric logic lives here; every function composes metrics.

Sections, one per chapter. Each returns a tidy pandas DataFrame (one row per observation).
"""

from __future__ import annotations

import pandas as pd

from . import metrics  # noqa: F401


# ===================================================================== chapter 1: noise robustness

# ===================================================================== chapter 2: category-level errors

# ===================================================================== chapter 3: image-level errors

# ===================================================================== chapter 4: texture versus shape
