"""Chapter 1, noise robustness: accuracy (or any value) over the distortion levels of each dataset.

Tables from :mod:`humanlike.results.noise_robustness`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..benchmark import is_excluded
from .common import (
    DEFAULT_HEIGHT,
    DEFAULT_WIDTH,
    HUMANS,
    OTHER_COLOR,
    REFERENCE_COLOR,
    _tooltip,
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
    shade_ood: bool = True,
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
    shade_ood: shade the levels that count towards OOD accuracy (those the benchmark keeps,
               :func:`humanlike.benchmark.is_excluded`; needs ``dataset`` and ``condition`` columns).
    tooltip:   extra columns; one that only repeats ``x`` is left out. An ``interval`` column (what the interval
               is) goes into one "interval" row with the interval's two numbers.
    """
    shade_ood = shade_ood and {"dataset", "condition"} <= set(data.columns) and y_domain is not None
    if shade_ood:
        counted = [not is_excluded(d, c) for d, c in zip(data["dataset"], data["condition"].astype(str))]
        data = data.assign(ood=counted)
    # a band scale (no padding): each level owns a band, which the shading fills; lines join the bands' centres
    x_enc = alt.X(
        f"{x}:O",
        scale=alt.Scale(domain=level_domain(data, x, order, dropdown), type="band", paddingInner=0, paddingOuter=0),
        title=x_title,
        axis=alt.Axis(labelAngle=0, labelOverlap=True),
    )
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    col = color_encoding(color, data[color], by="model", title="decision maker")
    pick = alt.selection_point(fields=[color], bind="legend", name="legend_pick")
    # a column that may repeat the level (the condition's name is often its label) shows only where it differs
    repeats = [t for t in tooltip if t in data.columns and t != x and (data[t].astype(str) == data[x].astype(str)).any()]
    extra = [t for t in tooltip if not (t == "interval" and lower and upper)]
    tips = _tooltip([(color, "N", None), (x, "O", None), (y, "Q", ".3f")], {y: y_title or ""})
    if lower and upper:
        # one row, two numbers: "0.612 to 0.935 (range over observers)"
        what = " + ' (' + datum.interval + ')'" if "interval" in data.columns else ""
        tips.append(alt.Tooltip("interval_numbers:N", title="interval"))
    tips += _tooltip([(f"{t}_shown" if t in repeats else t, "N", None) for t in extra], {f"{t}_shown": t for t in repeats})
    base = alt.Chart().encode(x=x_enc, color=col)
    layers = []
    if shade_ood:
        layers.append(
            alt.Chart()
            .transform_filter("datum.ood")
            .transform_aggregate(groupby=[x], n="count()")
            .mark_rect(color=OTHER_COLOR, opacity=0.16)
            .encode(
                x=x_enc,
                y=alt.datum(y_domain[0]),
                y2=alt.datum(y_domain[1]),
                tooltip=[alt.Tooltip(f"{x}:O", title="level"), alt.Tooltip("ood_note:N", title="OOD accuracy")],
            )
            .transform_calculate(ood_note="'this level counts'")
        )
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
    for t in repeats:  # undefined (no tooltip row) where it equals the level
        chart = chart.transform_calculate(
            **{f"{t}_shown": f"toString(datum.{t}) === toString(datum.{x}) ? datum.no_such_field : datum.{t}"}
        )
    if lower and upper:
        chart = chart.transform_calculate(
            interval_numbers=f"format(datum.{lower}, '.3f') + ' to ' + format(datum.{upper}, '.3f')" + what
        )
    if dropdown:
        chart = with_dropdown(chart, data, dropdown, options=dropdown_options, value=dropdown_value)
    return chart


