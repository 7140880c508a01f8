"""Hand-made trial tables for the tests, built one way: columns the tests leave out are derived as the data layer
derives them (``is_human`` by the registry's rule, ``correct``, ``imagename``, ``session``, ``trial``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from humanlike.registry import CATEGORIES, is_human_observer

#: The columns of the tuples :func:`trial_table` takes by default.
ROW_COLUMNS = ("dataset", "subject", "condition", "image_id", "category", "response")


def trial_table(rows: Iterable[Sequence], columns: Sequence[str] = ROW_COLUMNS, **constant) -> pd.DataFrame:
    """A trial table from tuples of ``columns``; ``constant`` columns (e.g. ``dataset="colour"``) are set for every
    row. Derived when absent: ``is_human`` (``subject-NN``), ``correct`` (response == category), ``imagename``
    (the image id), ``session`` (1) and ``trial`` (1, 2, ... per dataset and decision maker)."""
    frame = pd.DataFrame(list(rows), columns=list(columns))
    for name, value in constant.items():
        frame.insert(0, name, value)
    if "is_human" not in frame:
        frame["is_human"] = frame["subject"].map(is_human_observer).astype(bool)
    if "correct" not in frame:
        frame["correct"] = frame["response"] == frame["category"]
    if "imagename" not in frame:
        frame["imagename"] = frame["image_id"]
    if "session" not in frame:
        frame["session"] = 1
    if "trial" not in frame:
        frame["trial"] = frame.groupby(["dataset", "subject"]).cumcount() + 1
    return frame


def correctness_trials(correctness: dict[str, list[int]], dataset: str = "edge", condition: str = "0") -> pd.DataFrame:
    """One trial per decision maker and image ``img<i>.png`` of category ``CATEGORIES[i % 16]``: a 1 answers it
    right, a 0 names the next category."""
    rows = [
        (dataset, subject, condition, f"img{i}.png", CATEGORIES[i % 16], CATEGORIES[(i + (not hit)) % 16])
        for subject, hits in correctness.items()
        for i, hit in enumerate(hits)
    ]
    return trial_table(rows)

