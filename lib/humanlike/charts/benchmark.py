"""Chapter 5, the benchmark: accuracy against error consistency, one point per decision maker.

Tables from :mod:`humanlike.results.benchmark`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from .common import DEFAULT_HEIGHT, DEFAULT_WIDTH, TRAINING_COLORS, TRAINING_ORDER, _tooltip, with_dropdown

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
    training type, with a ``scope`` dropdown (all datasets or one dataset). Names in ``highlight`` (e.g. your own
    model) are labelled on the plot; hover any point for its name and numbers.

    table: :func:`humanlike.results.benchmark_scopes` (columns scope, model, training and the metrics).
    """
    trainings = [t for t in TRAINING_ORDER if t in set(table["training"])]
    colour = alt.Color(
        "training:N",
        title="training",
        scale=alt.Scale(domain=trainings, range=[TRAINING_COLORS[t] for t in trainings]),
    )
    pick = alt.selection_point(fields=["training"], bind="legend", name="legend_pick")
    tips = _tooltip(
        [("model", "N", None), ("training", "N", None), (x, "Q", ".3f"), (y, "Q", ".3f"), ("mean_rank", "Q", ".2f"),
         ("n_datasets", "Q", None)]
    )  # fmt: skip
    data = table.assign(label=table["model"].where(table["model"].isin(list(highlight)), ""))
    base = alt.Chart().encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y(f"{y}:Q", title=y_title, scale=alt.Scale(zero=False)),
    )
    points = (
        base.mark_point(filled=True, size=90)
        .encode(color=colour, tooltip=tips, opacity=alt.condition(pick, alt.value(0.95), alt.value(0.15)))
        .add_params(pick)
    )
    labels = base.mark_text(align="left", dx=7, dy=-7, fontSize=11).encode(text="label:N")
    chart = alt.layer(points, labels, data=data).properties(width=width, height=height)
    options = list(dict.fromkeys(table["scope"]))
    return with_dropdown(chart, data, "scope", options=options, value=dropdown_value, label="datasets")

