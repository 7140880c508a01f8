"""Chapter 3, image-level errors: error-consistency matrices, kappa by kind of pair, by distortion level, and
against the human ceiling with bootstrap intervals.

Tables from :mod:`humanlike.results.image_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from .common import (
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    HUMANS,
    OTHER_COLOR,
    TRAINING_COLORS,
    _rounded,
    _tooltip,
    color_encoding,
    colour_groups,
    decision_maker_order,
    level_domain,
    model_colors,
    with_dropdown,
)

__all__ = ["PAIR_KIND_COLORS", "consistency_matrix", "pair_kind_chart", "consistency_level_chart",
           "consistency_interval_chart"]  # fmt: skip


def _label_colors(names: Sequence[str], training: Mapping[str, str]) -> dict[str, Any]:
    """Axis ``labelColor`` that paints each decision maker's name in the colour of its group (training type; grey
    for models the paper did not have, :func:`colour_groups`)."""
    groups: dict[str, list[str]] = {}
    kinds = colour_groups(names, {n: training.get(n, "unknown") for n in names})
    for name in names:
        groups.setdefault(kinds[str(name)], []).append(name)
    conditions = [
        {"test": f"indexof({json.dumps(members)}, datum.value) >= 0", "value": TRAINING_COLORS.get(kind, OTHER_COLOR)}
        for kind, members in groups.items()
    ]
    return {"condition": conditions, "value": OTHER_COLOR}


#: Colours of the kinds of pairs (``humanlike.results.PAIR_KINDS``): a pair of a human observer and a model takes
#: the colour of the model's training type; pairs of models are mid grey (all) or sky blue (supervised with
#: self-supervised, the paper's comparison).
PAIR_KIND_COLORS: dict[str, str] = {
    "human–human": TRAINING_COLORS["human"],
    "human–supervised": TRAINING_COLORS["supervised"],
    "human–self-supervised": TRAINING_COLORS["self-supervised"],
    "human–weakly-supervised": TRAINING_COLORS["weakly-supervised"],
    "human–unknown": TRAINING_COLORS["unknown"],
    "model–model": "#7F7F7F",  # a mid grey: stands out on light and dark pages
    "supervised–self-supervised": "#56B4E9",
}

def consistency_matrix(
    frame: pd.DataFrame,
    *,
    datasets: Sequence[str] | None = None,
    value: str | None = None,
    size: int = 400,
) -> alt.LayerChart:
    """Error-consistency matrix of all decision makers, one dataset at a time (dropdown).

    frame:    :func:`humanlike.results.error_consistency_matrix` (columns dataset, subject_a, subject_b,
              training_a, training_b, error_consistency, ci_low, ci_high, n_trials).
    Rows and columns: humans first, then models grouped by training type (:func:`decision_maker_order`); names
    coloured by training type. Colour: kappa on a fixed 0 to 1 scale (negative values look like 0; the tooltip
    has the exact value and its bootstrap interval).
    """
    names = pd.concat([frame["subject_a"], frame["subject_b"]]).astype(str)
    order = decision_maker_order(names)
    training = dict(zip(frame["subject_a"], frame["training_a"])) | dict(zip(frame["subject_b"], frame["training_b"]))
    cells = _rounded(frame[["dataset", "subject_a", "subject_b", "kind", "n_trials", "error_consistency", "ci_low", "ci_high"]])
    label_color = _label_colors(order, training)
    tips = _tooltip(
        [("subject_a", "N", None), ("subject_b", "N", None), ("kind", "N", None), ("error_consistency", "Q", ".3f"),
         ("ci_low", "Q", ".3f"), ("ci_high", "Q", ".3f"), ("n_trials", "Q", None)]
    )  # fmt: skip
    axis = {"labelLimit": 160, "labelColor": label_color, "title": None}
    chart = (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("subject_b:N", sort=order, axis=alt.Axis(labelAngle=-60, labelOverlap="greedy", **axis)),
            y=alt.Y("subject_a:N", sort=order, axis=alt.Axis(**axis)),
            color=alt.Color(
                "error_consistency:Q",
                title="error consistency κ",
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
            ),
            tooltip=tips,
        )
        .properties(width=size, height=size)
    )
    return with_dropdown(chart, cells, "dataset", options=datasets, value=value)


def pair_kind_chart(summary: pd.DataFrame, *, datasets: Sequence[str] | None = None, width: int = 360) -> alt.LayerChart:
    """Error consistency by kind of pair, every dataset at once: a point at the mean over pairs, a line from the
    lowest to the highest pair. ``summary``: :func:`humanlike.results.consistency_summary`. Click a legend entry
    to highlight a kind (shift-click for several)."""
    kinds = [k for k in PAIR_KIND_COLORS if k in set(summary["kind"])]
    kinds += [k for k in pd.unique(summary["kind"]) if k not in kinds]
    order = [d for d in (datasets or pd.unique(summary["dataset"])) if d in set(summary["dataset"])]
    pick = alt.selection_point(fields=["kind"], bind="legend", name="legend_pick")
    colour = alt.Color(
        "kind:N",
        title="pair",
        scale=alt.Scale(domain=kinds, range=[PAIR_KIND_COLORS.get(k, TRAINING_COLORS["unknown"]) for k in kinds]),
        sort=kinds,
        legend=alt.Legend(symbolOpacity=1, labelLimit=220),
    )
    y = alt.Y("dataset:N", sort=order, title=None)
    offset = alt.YOffset("kind:N", sort=kinds, scale=alt.Scale(domain=kinds))
    x = alt.X("mean:Q", title="error consistency κ (mean over pairs)", scale=alt.Scale(domain=[-0.2, 1]))
    opacity = alt.condition(pick, alt.value(1.0), alt.value(0.12))
    tips = _tooltip(
        [("dataset", "N", None), ("kind", "N", None), ("mean", "Q", ".3f"), ("min", "Q", ".3f"), ("max", "Q", ".3f"),
         ("n_pairs", "Q", None)]
    )  # fmt: skip
    base = alt.Chart().encode(y=y, yOffset=offset, color=colour, opacity=opacity)
    lines = base.mark_rule(strokeWidth=1.5).encode(x=alt.X("min:Q", scale=alt.Scale(domain=[-0.2, 1])), x2="max:Q")
    points = base.mark_point(filled=True, size=40).encode(x=x, tooltip=tips).add_params(pick)
    zero = alt.Chart().mark_rule(color="#999", strokeDash=[3, 3]).encode(x=alt.datum(0))
    height = len(order) * max(16, 5 * len(kinds))
    return alt.layer(lines, points, zero, data=_rounded(summary)).properties(width=width, height=height)


def consistency_level_chart(
    frame: pd.DataFrame,
    *,
    datasets: Sequence[str] | None = None,
    value: str | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
) -> alt.LayerChart:
    """Error consistency with human observers against the distortion level, one dataset at a time (dropdown).

    frame: :func:`humanlike.results.consistency_by_level`. One line per model (its mean kappa with the
    observers); ``humans``: the mean kappa between observers, with a band from the lowest to the highest pair of
    observers (the human-to-human ceiling). The x axis lists the conditions (their ``label`` where the frame has
    one) in ``level`` order, undistorted first; the tooltip names what the level measures (``parameter``).
    """
    data = _rounded(frame)
    names = decision_maker_order(data["subject"].astype(str))
    col = color_encoding("subject", names, title="decision maker")
    pick = alt.selection_point(fields=["subject"], bind="legend", name="legend_pick")
    tick = "label" if "label" in data.columns else "condition"
    x = alt.X(
        f"{tick}:O",
        scale=alt.Scale(domain=level_domain(data, tick, "level", "dataset")),  # the dataset's own order, always
        title="condition (undistorted first, strongest distortion last)",
        axis=alt.Axis(labelAngle=0, labelOverlap=True),
    )
    y_scale = alt.Scale(domain=[-0.2, 1])
    tips = _tooltip(
        [("subject", "N", None), ("comparison", "N", None), ("condition", "N", None)]
        + [(c, "N", None) for c in ("parameter", "label") if c in data.columns]
        + [("error_consistency", "Q", ".3f"), ("low", "Q", ".3f"), ("high", "Q", ".3f"), ("n_pairs", "Q", None)]
    )  # fmt: skip
    band = (
        alt.Chart()
        .transform_filter(alt.datum.subject == HUMANS)
        .mark_area(opacity=0.18)
        .encode(
            x=x,
            y=alt.Y("low:Q", scale=y_scale, title="error consistency κ"),
            y2="high:Q",
            color=col,
            opacity=alt.condition(pick, alt.value(0.2), alt.value(0.04)),
        )
    )
    lines = (
        alt.Chart()
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("error_consistency:Q", scale=y_scale, title="error consistency κ"),
            color=col,
            strokeDash=alt.condition(alt.datum.subject == HUMANS, alt.value([6, 3]), alt.value([1, 0])),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
            tooltip=tips,
        )
        .add_params(pick)
    )
    zero = alt.Chart().mark_rule(color="#999", strokeDash=[3, 3]).encode(y=alt.datum(0))
    levels = {"label": tick, "order": "level", "by": "dataset"}  # for tests/test_book_charts.py
    chart = alt.layer(band, lines, zero, data=data).properties(
        width=width, height=height, usermeta={"humanlike": {"levels": levels}}
    )
    return with_dropdown(chart, data, "dataset", options=datasets, value=value)


def consistency_interval_chart(
    frame: pd.DataFrame,
    *,
    datasets: Sequence[str] | None = None,
    value: str | None = None,
    width: int = DEFAULT_WIDTH,
) -> alt.LayerChart:
    """Error consistency of each model with each human observer, with 95 % bootstrap intervals, one dataset at a
    time (dropdown); the ``humans`` row holds every pair of observers, and the shaded band spans the lowest to
    the highest human pair (dashed line: their mean). ``frame``: :func:`humanlike.results.consistency_intervals`.
    """
    data = _rounded(frame)
    names = decision_maker_order(data["subject"].astype(str))
    colours = model_colors(names)
    y = alt.Y("subject:N", sort=names, title=None, axis=alt.Axis(labelLimit=180))
    x_scale = alt.Scale(domain=[-0.2, 1])
    offset = alt.YOffset("partner:N")
    colour = alt.Color("subject:N", scale=alt.Scale(domain=names, range=[colours[n] for n in names]), legend=None)
    tips = _tooltip(
        [("subject", "N", None), ("partner", "N", None), ("error_consistency", "Q", ".3f"), ("ci_low", "Q", ".3f"),
         ("ci_high", "Q", ".3f")]
    )  # fmt: skip
    humans_only = alt.Chart().transform_filter(alt.datum.subject == HUMANS)
    ceiling = humans_only.transform_aggregate(
        low="min(error_consistency)", high="max(error_consistency)", mean="mean(error_consistency)"
    )
    band = ceiling.mark_rect(color=TRAINING_COLORS["human"], opacity=0.12).encode(
        x=alt.X("low:Q", scale=x_scale, title="error consistency κ (95 % bootstrap interval)"), x2="high:Q"
    )
    mean = ceiling.mark_rule(color=TRAINING_COLORS["human"], strokeDash=[6, 3]).encode(x="mean:Q")
    rules = alt.Chart().mark_rule(opacity=0.6).encode(
        y=y, yOffset=offset, x=alt.X("ci_low:Q", scale=x_scale), x2="ci_high:Q", color=colour
    )
    points = alt.Chart().mark_point(filled=True, size=18).encode(
        y=y, yOffset=offset, x=alt.X("error_consistency:Q", scale=x_scale), color=colour, tooltip=tips
    )
    zero = alt.Chart().mark_rule(color="#999", strokeDash=[3, 3]).encode(x=alt.datum(0))
    height = 26 * len(names)
    chart = alt.layer(band, mean, zero, rules, points, data=data).properties(width=width, height=height)
    return with_dropdown(chart, data, "dataset", options=datasets, value=value)


