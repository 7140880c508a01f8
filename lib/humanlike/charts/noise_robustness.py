"""Chapter 1, noise robustness: accuracy (or any value) over the distortion levels of each dataset.

Tables from :mod:`humanlike.results.noise_robustness`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from .common import (
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    HUMANS,
    REFERENCE_COLOR,
    _value_tooltip,
    color_encoding,
    level_domain,
    with_dropdown,
)

__all__ = ["distortion_chart"]


def distortion_chart(
    data: pd.DataFrame,
    *,
    x: str = "label",
    order: str = "strength",
    y: str = "accuracy",
    color: str = "subject",
    lower: str | None = "ci_low",
    upper: str | None = "ci_high",
    band_for: str = HUMANS,
    parameter: str | None = "parameter",
    dropdown: str | None = "dataset",
    dropdown_options: Sequence[Any] | None = None,
    dropdown_value: Any = None,
    reference: float | None = None,
    x_title: str | None = "distortion level (undistorted on the left, strongest on the right)",
    y_title: str | None = None,
    y_domain: tuple[float, float] | None = (0.0, 1.0),
    tooltip: Sequence[str] = (),
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
) -> alt.LayerChart:
    """Lines of ``y`` over the conditions of a dataset, ordered by distortion strength, one per decision maker.

    data:      tidy frame, one row per (dropdown value, decision maker, condition), e.g.
               :func:`humanlike.results.accuracy_by_level`.
    x, order:  the tick label of a condition and the column that orders them: the axis lists the labels of the
               dataset shown in ``order`` (:func:`level_domain`), so that each dataset keeps its own labels and
               direction whatever was picked before.
    lower/upper: an interval; drawn as a band for ``band_for`` (e.g. the range over human observers) always,
               and for other decision makers only while they are selected in the legend (click; shift-click).
    parameter: a column naming what the level measures; shown above the plot for the dataset picked.
    reference: a dashed horizontal line (e.g. chance, 1/16).
    """
    x_enc = alt.X(
        f"{x}:O",
        scale=alt.Scale(domain=level_domain(data, x, order, dropdown)),
        title=x_title,
        axis=alt.Axis(labelAngle=0, labelOverlap=True),
    )
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    col = color_encoding(color, data[color], by="model", title="decision maker")
    pick = alt.selection_point(fields=[color], bind="legend", name="legend_pick")
    tips = _value_tooltip([(color, "N", None), (x, "O", None)], y, lower, upper, tooltip, {y: y_title or ""})
    base = alt.Chart().encode(x=x_enc, color=col)
    layers = []
    if lower and upper:
        band = {"y": alt.Y(f"{lower}:Q", scale=y_scale, title=y_title or y), "y2": f"{upper}:Q"}
        layers.append(base.mark_area(opacity=0.2).encode(**band).transform_filter(alt.datum[color] == band_for))
        layers.append(
            base.mark_area()
            .encode(**band, opacity=alt.condition({"param": pick.name, "empty": False}, alt.value(0.15), alt.value(0.0)))
            .transform_filter(alt.datum[color] != band_for)
        )
    layers.append(
        base.mark_line(point=True, strokeWidth=2)
        .encode(
            y=alt.Y(f"{y}:Q", title=y_title or y, scale=y_scale),
            tooltip=tips,
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)),
        )
        .add_params(pick)
    )
    if reference is not None:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color=REFERENCE_COLOR).encode(y=alt.datum(reference)))
    if parameter:
        layers.append(
            alt.Chart()
            .transform_aggregate(groupby=[parameter], n="count()")
            .mark_text(align="left", baseline="bottom", dy=-6, fontStyle="italic")  # the theme's text colour
            .encode(x=alt.value(0), y=alt.value(0), text=f"{parameter}:N")
        )
    # usermeta names the level axis (label, order, dropdown column): tests/test_book_charts.py checks its order.
    levels = {"label": x, "order": order, "by": dropdown}
    chart = alt.layer(*layers, data=data).properties(
        width=width, height=height, usermeta={"humanlike": {"levels": levels}}
    )
    if dropdown:
        chart = with_dropdown(chart, data, dropdown, options=dropdown_options, value=dropdown_value)
    return chart


