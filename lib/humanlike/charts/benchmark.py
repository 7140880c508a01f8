"""Chapter 5, the benchmark: accuracy against error consistency, one point per decision maker.

Tables from :mod:`humanlike.results.benchmark`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from .common import DEFAULT_HEIGHT, DEFAULT_WIDTH, _tooltip, color_encoding, colour_groups, with_dropdown

__all__ = ["benchmark_scatter"]


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
    non-empty ``third_party`` column: their names carry their source) are labelled on the plot, to the left
    of points in the right third of the scope's range so that no label runs into the legend (below the plot);
    hover any point for its name and numbers.

    table: :func:`humanlike.results.benchmark_scopes` (columns scope, model, training and the metrics; optional
    third_party).
    """
    groups = colour_groups(table["model"], dict(zip(table["model"].astype(str), table["training"])))
    third_party = table["third_party"].fillna("").astype(str) != "" if "third_party" in table else False
    data = table.assign(
        colour=table["model"].astype(str).map(groups),
        label=table["model"].where(table["model"].isin(list(highlight)) | third_party, ""),
    )
    # Labels of points in the right third of their scope's x range go to the left of the point.
    lo = data.groupby("scope")[x].transform("min")
    span = (data.groupby("scope")[x].transform("max") - lo).replace(0, 1)
    data["label_left"] = ((data[x] - lo) / span > 0.66).fillna(False)
    colour = color_encoding("colour", data["colour"], title="training", by="training").legend(
        alt.Legend(orient="bottom", direction="horizontal", columns=2, symbolOpacity=1, labelLimit=220)
    )
    pick = alt.selection_point(fields=["colour"], bind="legend", name="legend_pick")
    tips = _tooltip(
        [("model", "N", None), ("training", "N", None), (x, "Q", ".3f"), (y, "Q", ".3f"), ("mean_rank", "Q", ".2f"),
         ("n_datasets", "Q", None), *([("third_party", "N", None)] if "third_party" in table else [])],
        {x: x_title, y: y_title, "third_party": "third-party run by"},
    )  # fmt: skip
    base = alt.Chart().encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
    )
    points = (
        base.mark_point(filled=True, size=90)
        .encode(color=colour, tooltip=tips, opacity=alt.condition(pick, alt.value(0.95), alt.value(0.15)))
        .add_params(pick)
    )
    right = base.transform_filter("!datum.label_left").mark_text(align="left", dx=7, dy=-7, fontSize=11)
    left = base.transform_filter("datum.label_left").mark_text(align="right", dx=-7, dy=-7, fontSize=11)
    labels = [layer.encode(text="label:N") for layer in (right, left)]
    chart = alt.layer(points, *labels, data=data).properties(width=width, height=height)
    options = list(dict.fromkeys(table["scope"]))
    return with_dropdown(chart, data, "scope", options=options, value=dropdown_value, label="datasets")

