"""Chapter 2, category-level errors: confusion matrices with a dataset and a decision-maker dropdown, and
confusion similarity against the human ceiling.

Tables from :mod:`humanlike.results.category_errors`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from .common import (
    DEFAULT_WIDTH,
    HUMANS,
    REFERENCE_COLOR,
    _options,
    _tooltip,
    color_encoding,
    decision_maker_order,
    dropdown,
    with_dropdown,
)

__all__ = ["confusion_heatmap", "similarity_chart", "confusion_panels"]


def confusion_heatmap(
    data: pd.DataFrame,
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    row: str = "response",
    column: str = "category",
    value: str = "proportion",
    count: str | None = "n",
    dataset: str = "dataset",
    subject: str = "subject",
    dataset_options: Sequence[Any] | None = None,
    dataset_value: Any = None,
    subject_value: Any = None,
    scale_type: str = "sqrt",
    scheme: str = "viridis",
    x_title: str = "presented category",
    y_title: str = "response",
    value_title: str = "proportion of answers",
    width: int = 340,
    height: int = 360,
) -> alt.LayerChart:
    """Confusion matrices (``rows`` x ``columns`` cells) with two dropdowns: dataset and decision maker.

    data: long frame, one row per (dataset, subject, row value, column value), e.g.
    :func:`humanlike.results.confusion_matrices`. To stay small it is embedded packed: one record per (dataset,
    decision maker) holding the cell values as arrays (row-major), which Vega unpacks for the matrix picked. The
    colour scale is fixed (0 to 1, ``scale_type`` "sqrt" by default so that rare confusions stay visible), so
    that matrices stay comparable when the dropdowns change. Cells without a value (a category never presented)
    are left blank.
    """
    rows, columns = [str(r) for r in rows], [str(c) for c in columns]
    frame = data.assign(**{row: data[row].astype(str), column: data[column].astype(str)})
    packed = []
    for (d, s), group in frame.groupby([dataset, subject], sort=False):
        grid = group.set_index([row, column])
        index = pd.MultiIndex.from_product([rows, columns])
        values = grid[value].reindex(index).round(4)
        record = {dataset: d, subject: s, "v": [None if pd.isna(v) else float(v) for v in values]}
        if count:
            record["c"] = [None if pd.isna(v) else int(v) for v in grid[count].reindex(index)]
        packed.append(record)
    packed = pd.DataFrame(packed)
    d_opts = _options(packed, dataset, dataset_options)
    s_opts = decision_maker_order(packed[subject].astype(str))
    d_param = dropdown(
        f"pick_{dataset}", d_opts, value=dataset_value if dataset_value in d_opts else None, label=dataset
    )
    s_param = dropdown(
        f"pick_{subject}", s_opts, value=subject_value if subject_value in s_opts else None, label="decision maker"
    )
    # How the packed records unpack into the tidy rows drawn (humanlike.charts.render.chart_table, for the CSV).
    grid = {"keys": [dataset, subject], "row": row, "column": column, "rows": rows, "columns": columns,
            "fields": {"v": value, **({"c": count} if count else {})}}  # fmt: skip
    n_cols = len(columns)
    row_expr = f"{json.dumps(rows)}[floor((datum.cell - 1) / {n_cols})]"
    col_expr = f"{json.dumps(columns)}[(datum.cell - 1) % {n_cols}]"
    flat = ["v", "c"] if count else ["v"]
    tips = _tooltip([(subject, "N", None), (column, "N", None), (row, "N", None), ("v", "Q", ".3f")],
                    {column: x_title, row: y_title, "v": value_title})  # fmt: skip
    if count:
        tips.append(alt.Tooltip("c:Q", title="answers"))
    rect = (
        alt.Chart()
        .mark_rect()
        .encode(
            x=alt.X(f"{column}:N", sort=columns, title=x_title, axis=alt.Axis(labelAngle=-45, labelOverlap="greedy")),
            y=alt.Y(f"{row}:N", sort=rows, title=y_title),
            color=alt.Color("v:Q", title=value_title, scale=alt.Scale(type=scale_type, domain=[0, 1], scheme=scheme)),
            tooltip=tips,
        )
    )
    return (
        alt.layer(rect, data=packed)
        .add_params(d_param, s_param)
        .transform_filter((alt.datum[dataset] == d_param) & (alt.datum[subject] == s_param))
        .transform_flatten(flat)
        .transform_window(cell="row_number()")
        .transform_calculate(**{row: row_expr, column: col_expr})
        .transform_filter("isValid(datum.v)")
        .properties(width=width, height=height, usermeta={"humanlike": {"grid": grid}})
    )


def similarity_chart(
    data: pd.DataFrame,
    *,
    value: str = "similarity",
    lower: str = "ci_low",
    upper: str = "ci_high",
    low_range: str = "min",
    high_range: str = "max",
    comparison: str = "comparison",
    ceiling: str = HUMANS,
    subject: str = "subject",
    dropdown: str | None = "dataset",
    dropdown_options: Sequence[Any] | None = None,
    dropdown_value: Any = None,
    x_title: str = "confusion similarity (correlation of off-diagonal entries)",
    x_domain: tuple[float, float] | None = None,
    width: int = DEFAULT_WIDTH,
    height: int | None = None,
) -> alt.LayerChart:
    """Dots with interval whiskers, one row per decision maker and one dot per ``comparison`` (by shape), over a
    grey band: the range (``low_range`` to ``high_range``) of the ``ceiling`` row (e.g. all pairs of human
    observers), with a dashed line at its value. For :func:`humanlike.results.confusion_similarity_summary`.
    """
    names = decision_maker_order(data[subject].astype(str))
    kinds = list(pd.unique(data[comparison]))

    smallest = pd.to_numeric(data[[lower, low_range, value]].stack(), errors="coerce").min()
    lo = min(0.0, math.floor(10 * smallest) / 10) if pd.notna(smallest) else 0.0
    domain = list(x_domain) if x_domain else [lo, 1.0]
    scale = alt.Scale(domain=domain)
    y = alt.Y(f"{subject}:N", sort=names, title=None)
    tips = _tooltip([(subject, "N", None), (comparison, "N", None), (value, "Q", ".3f"), (lower, "Q", ".3f"),
                     (upper, "Q", ".3f"), (low_range, "Q", ".3f"), (high_range, "Q", ".3f")])  # fmt: skip
    is_ceiling = alt.datum[subject] == ceiling
    band = (
        alt.Chart()
        .mark_rect(color="#999", opacity=0.18)
        .encode(x=alt.X(f"{low_range}:Q", scale=scale, title=x_title), x2=f"{high_range}:Q", tooltip=tips)
        .transform_filter(is_ceiling)
    )
    line = (
        alt.Chart()
        .mark_rule(color=REFERENCE_COLOR, strokeDash=[4, 4])
        .encode(x=alt.X(f"{value}:Q", scale=scale, title=x_title))
        .transform_filter(is_ceiling)
    )
    offset = alt.YOffset(f"{comparison}:N", sort=kinds)
    whisker = (
        alt.Chart()
        .mark_rule()  # the theme's rule colour
        .encode(x=alt.X(f"{lower}:Q", scale=scale, title=x_title), x2=f"{upper}:Q", y=y, yOffset=offset)
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=70, opacity=1)
        .encode(
            x=alt.X(f"{value}:Q", scale=scale, title=x_title),
            y=y,
            yOffset=offset,
            color=color_encoding(subject, names).legend(None),
            shape=alt.Shape(f"{comparison}:N", sort=kinds, title=None, legend=alt.Legend(orient="bottom")),
            tooltip=tips,
        )
    )
    chart = alt.layer(band, line, whisker, dots, data=data).properties(
        width=width, height=height or max(160, 26 * len(names))
    )
    if dropdown:
        chart = with_dropdown(chart, data, dropdown, options=dropdown_options, value=dropdown_value)
    return chart


def confusion_panels(
    data: pd.DataFrame,
    *,
    subjects: Sequence[str],
    rows: Sequence[str],
    columns: Sequence[str],
    dataset_options: Sequence[Any] | None = None,
    dataset_value: Any = None,
    scale_type: str = "sqrt",
    scheme: str = "viridis",
    panel_size: int = 170,
) -> alt.HConcatChart:
    """Confusion matrices of several decision makers side by side (e.g. humans and two models), for the dataset
    picked in one dropdown; the same fixed colour scale (0 to 1, square root) in every panel.

    data: :func:`humanlike.results.confusion_matrices` (columns ``dataset, subject, response, category,
    proportion, n``). ``subjects``: the panels, left to right; names without rows in ``data`` are left out.
    Embedded packed like :func:`confusion_heatmap` (one record per dataset and decision maker).
    """
    rows, columns = [str(r) for r in rows], [str(c) for c in columns]
    shown = [s for s in subjects if s in set(data["subject"].astype(str))]
    if not shown:
        raise ValueError(f"none of {list(subjects)} has a confusion matrix")
    frame = data[data["subject"].astype(str).isin(shown)]
    index = pd.MultiIndex.from_product([rows, columns])
    packed = []
    for (d, s), group in frame.groupby(["dataset", "subject"], sort=False):
        grid = group.assign(response=group["response"].astype(str), category=group["category"].astype(str))
        grid = grid.set_index(["response", "category"])
        packed.append({"dataset": d, "subject": s,
                       "v": [None if pd.isna(v) else float(v) for v in grid["proportion"].reindex(index).round(4)],
                       "c": [None if pd.isna(v) else int(v) for v in grid["n"].reindex(index)]})  # fmt: skip
    packed = pd.DataFrame(packed)
    options = _options(packed, "dataset", dataset_options)
    param = dropdown("pick_panels_dataset", options, value=dataset_value if dataset_value in options else None,
                     label="dataset")  # fmt: skip
    n_cols = len(columns)
    colour = alt.Color("v:Q", title="proportion of answers",
                       scale=alt.Scale(type=scale_type, domain=[0, 1], scheme=scheme),
                       legend=alt.Legend(orient="bottom", gradientLength=160))  # fmt: skip
    tips = _tooltip([("subject", "N", None), ("category", "N", None), ("response", "N", None), ("v", "Q", ".3f")],
                    {"category": "presented category", "response": "response", "v": "proportion of answers"})
    tips.append(alt.Tooltip("c:Q", title="answers"))
    panels = []
    for i, name in enumerate(shown):
        panels.append(
            alt.Chart()
            .transform_filter((alt.datum.dataset == param) & (alt.datum.subject == name))
            .transform_flatten(["v", "c"])
            .transform_window(cell="row_number()")
            .transform_calculate(response=f"{json.dumps(rows)}[floor((datum.cell - 1) / {n_cols})]",
                                 category=f"{json.dumps(columns)}[(datum.cell - 1) % {n_cols}]")  # fmt: skip
            .transform_filter("isValid(datum.v)")
            .mark_rect()
            .encode(
                # vertical labels and no repeated row axis: nothing sticks out sideways, so that the panels
                # still fit a phone when the page narrows them
                x=alt.X("category:N", sort=columns, title="presented category" if i == 0 else None,
                        axis=alt.Axis(labelAngle=-90, labelOverlap="greedy")),
                y=alt.Y("response:N", sort=rows, title="response", axis=alt.Axis() if i == 0 else None),
                color=colour,
                tooltip=tips,
            )
            .properties(title=alt.TitleParams(name, fontSize=12), width=panel_size, height=panel_size)
        )
    grid = {"keys": ["dataset", "subject"], "row": "response", "column": "category", "rows": rows,
            "columns": columns, "fields": {"v": "proportion", "c": "n"}}  # fmt: skip
    return (
        alt.hconcat(*panels, data=packed, spacing=6)
        .add_params(param)
        .properties(usermeta={"humanlike": {"grid": grid}})
    )
