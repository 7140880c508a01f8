"""Chapter 5, the benchmark: accuracy against error consistency, one point per decision maker.

Tables from :mod:`humanlike.results.benchmark`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..results.common import dataset_coverage
from .common import DEFAULT_HEIGHT, DEFAULT_WIDTH, _tooltip, color_encoding, colour_groups, with_dropdown

__all__ = ["MARKERS", "benchmark_scatter"]

#: The symbol legend of :func:`benchmark_scatter`: models of the model-vs-human data, third-party evaluations, and
#: models evaluated on fewer datasets than the others (never ranked with them).
MARKERS = ("model-vs-human data", "third-party evaluation", "fewer datasets: averaged over those it has, not ranked")
MARKER_SHAPES = dict(zip(MARKERS, ("circle", "diamond", "triangle-down")))


def benchmark_scatter(
    table: pd.DataFrame,
    *,
    x: str = "ood_accuracy",
    y: str = "error_consistency",
    x_title: str = "OOD accuracy",
    y_title: str = "error consistency with humans (kappa)",
    highlight: Sequence[str] = (),
    dropdown_value: Any = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
) -> alt.LayerChart:
    """One point per decision maker: ``x`` against ``y`` (default: accuracy against error consistency), coloured by
    training type (models the paper did not have in grey, :func:`colour_groups`), with a ``scope`` dropdown (all
    datasets or one dataset). Names in ``highlight`` (e.g. your own model) and third-party evaluations (a
    non-empty ``third_party`` column) get a diamond; only ``highlight`` is labelled on the plot (to the left of
    points in the right third of the scope's range), since labels of neighbouring points would overlap: hover any
    point for its name and numbers. A model evaluated on fewer datasets than the others of a scope (its
    ``n_datasets``) is drawn as a triangle, with a legend entry saying so, and its tooltip gives no rank.

    table: :func:`humanlike.results.benchmark_scopes` (columns scope, model, training and the metrics; optional
    third_party).
    """
    groups = colour_groups(table["model"], dict(zip(table["model"].astype(str), table["training"])))
    third_party = table["third_party"].fillna("").astype(str) != "" if "third_party" in table else False
    data = table.assign(
        colour=table["model"].astype(str).map(groups),
        label=table["model"].where(table["model"].isin(list(highlight)), ""),
    )
    # A model evaluated on fewer datasets than the others of its scope is averaged over those it has: another
    # symbol, a legend entry that says so, and no rank in its tooltip (its numbers are not comparable).
    coverage = dataset_coverage(data["n_datasets"], data["scope"])
    partial = coverage["fewer"]
    data["marker"] = MARKERS[0]
    if "third_party" in table:
        data.loc[third_party, "marker"] = MARKERS[1]
    data.loc[partial, "marker"] = MARKERS[2]
    data["rank"] = data["mean_rank"].map(lambda r: "" if pd.isna(r) else f"{r:.2f}").where(
        ~partial, "not ranked: " + coverage["datasets"] + " datasets"
    )
    # Labels of points in the right third of their scope's x range go to the left of the point.
    lo = data.groupby("scope")[x].transform("min")
    span = (data.groupby("scope")[x].transform("max") - lo).replace(0, 1)
    data["label_left"] = ((data[x] - lo) / span > 0.66).fillna(False)
    colour = color_encoding("colour", data["colour"], title="training", by="training").legend(
        alt.Legend(orient="bottom", direction="horizontal", columns=2, symbolOpacity=1, labelLimit=220)
    )
    markers = [m for m in MARKERS if m in set(data["marker"])]
    shape = alt.Shape(
        "marker:N",
        title="evaluation",
        scale=alt.Scale(domain=markers, range=[MARKER_SHAPES[m] for m in markers]),
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320),
    )
    pick = alt.selection_point(fields=["colour"], bind="legend", name="legend_pick")
    tips = _tooltip(
        [("model", "N", None), ("training", "N", None), (x, "Q", ".3f"), (y, "Q", ".3f"), ("rank", "N", None),
         ("n_datasets", "Q", None), *([("third_party", "N", None)] if "third_party" in table else [])],
        {x: x_title, y: y_title, "third_party": "third-party run by", "rank": "mean rank"},
    )  # fmt: skip
    base = alt.Chart().encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
    )
    points = (
        base.mark_point(filled=True, size=90)
        .encode(color=colour, shape=shape, tooltip=tips, opacity=alt.condition(pick, alt.value(0.95), alt.value(0.15)))
        .add_params(pick)
    )
    right = base.transform_filter("!datum.label_left").mark_text(align="left", dx=7, dy=-7, fontSize=11)
    left = base.transform_filter("datum.label_left").mark_text(align="right", dx=-7, dy=-7, fontSize=11)
    labels = [layer.encode(text="label:N") for layer in (right, left)]
    chart = alt.layer(points, *labels, data=data).properties(width=width, height=height)
    options = list(dict.fromkeys(table["scope"]))
    return with_dropdown(chart, data, "scope", options=options, value=dropdown_value, label="datasets")

