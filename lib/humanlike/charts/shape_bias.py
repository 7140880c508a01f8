"""Chapter 4, texture versus shape: shape bias per decision maker and per category, and a gallery of
cue-conflict stimuli with every answer.

Tables from :mod:`humanlike.results.shape_bias`; the gallery's images come in as ``data:`` URIs
(:func:`humanlike.results.stimulus_thumbnails`), so nothing here reads a file.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..registry import CATEGORIES
from ..results.shape_bias import PANELS
from ..text import html_text
from .common import (
    DEFAULT_WIDTH,
    HUMANS,
    OTHER_MODELS,
    REFERENCE_COLOR,
    TRAINING_COLORS,
    TRAINING_ORDER,
    _rounded,
    _safe_name,
    _tooltip,
    color_encoding,
    colour_groups,
    decision_maker_order,
    model_colors,
    natural_key,
    with_dropdown,
)

__all__ = ["ANSWER_COLORS", "DISTINCT_COLORS", "distinct_colours", "shape_bias_chart", "shape_category_chart",
           "shape_category_pictures", "stimulus_gallery"]

#: Colours of the answers to a cue-conflict image in :func:`stimulus_gallery` (Okabe-Ito, unused elsewhere).
ANSWER_COLORS: dict[str, str] = {"shape": "#56B4E9", "texture": "#E69F00", "other": "#D9D9D9"}


def shape_bias_chart(table: pd.DataFrame, *, width: int = 260) -> alt.VConcatChart:
    """Shape bias per decision maker with 95 % bootstrap intervals, coloured by training type.

    table: :func:`humanlike.results.shape_bias_intervals`. One panel per ``panel``: the model-vs-human data (all
    observers pooled as ``humans``, each observer a small open circle on that row; the toolbox's models and a
    user's own) and, below, third-party evaluations, whose marker shape shows their ``source`` (legend; the
    tooltip names the pipeline). Rows sorted by shape bias; dashed line: as many shape as texture decisions.
    """
    data = _rounded(table).assign(
        row=lambda f: f["subject"].where(f["kind"] != "observer", HUMANS),
        training_data=lambda f: f["training_data"].fillna("-"),
    )
    # Colour: the training type of the humans and the paper's models; grey for models the paper did not have
    # (third-party evaluations included, whatever their name).
    groups = colour_groups(data["row"], dict(zip(data["row"].astype(str), data["training"])))
    third_party = data["panel"] != PANELS[0]
    data["colour"] = data["row"].astype(str).map(groups).where(~third_party | (data["training"] == "human"), OTHER_MODELS)
    sources = list(dict.fromkeys(data["source"]))
    colour = color_encoding("colour", data["colour"], title="training", by="training").legend(
        alt.Legend(orient="bottom", direction="vertical", symbolOpacity=1)
    )
    marks = itertools.cycle(("circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"))
    shape = alt.Shape(
        "source:N",
        title="source",
        scale=alt.Scale(domain=sources, range=[next(marks) for _ in sources]),
        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=300),
    )
    x_scale = alt.Scale(domain=[0, 1])
    tips = _tooltip(
        [("subject", "N", None), ("training", "N", None), ("training_data", "N", None), ("source", "N", None),
         ("pipeline", "N", None), ("shape_bias", "Q", ".3f"), ("ci_low", "Q", ".3f"), ("ci_high", "Q", ".3f"),
         ("n_shape", "Q", None), ("n_texture", "Q", None)]
    )  # fmt: skip
    panels = []
    for panel in dict.fromkeys(data["panel"]):
        part = data[data["panel"] == panel]
        main = part[part["kind"] != "observer"].sort_values("shape_bias", ascending=False)
        order = list(dict.fromkeys(([HUMANS] if HUMANS in set(main["row"]) else []) + list(main["row"])))
        # whole names at desktop width (third-party names end in a tag such as "(Stylized-ImageNet)")
        y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=380))
        base = alt.Chart(part)
        observers = base.transform_filter(alt.datum.kind == "observer").mark_point(
            size=28, opacity=0.7, color=TRAINING_COLORS["human"]
        ).encode(x=alt.X("shape_bias:Q", scale=x_scale), y=y, tooltip=tips)
        whisker = base.transform_filter(alt.datum.kind != "observer").mark_rule().encode(
            x=alt.X("ci_low:Q", scale=x_scale), x2="ci_high:Q", y=y, color=colour
        )
        points = base.transform_filter(alt.datum.kind != "observer").mark_point(filled=True, size=70, opacity=1).encode(
            x=alt.X("shape_bias:Q", scale=x_scale, title="shape bias (fraction of shape decisions)"),
            y=y, color=colour, shape=shape, tooltip=tips,
        )  # fmt: skip
        half = alt.Chart().mark_rule(color=REFERENCE_COLOR, strokeDash=[3, 3]).encode(x=alt.datum(0.5))
        layer = alt.layer(half, observers, whisker, points).properties(
            width=width, height=alt.Step(16), title=panel
        )
        panels.append(layer)
    return alt.vconcat(*panels).resolve_scale(x="shared", color="shared", shape="shared")


def shape_category_chart(
    categories: pd.DataFrame,
    overall: pd.DataFrame | None = None,
    *,
    value: str | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = 340,
    distinct: bool = False,
) -> alt.LayerChart:
    """Fraction of shape decisions per category (rows), one point per decision maker, as in the figures of
    Geirhos et al. (2019): humans (all observers pooled, diamonds) against models. A dropdown picks the group of
    models (column ``group``: the model-vs-human data with a user's own models, or one third-party source);
    humans appear in every group, and the legend lists the group shown. ``overall`` (:func:`humanlike.results.shape_bias_intervals`) adds each decision
    maker's overall shape bias as a vertical line. Click a legend entry to highlight a decision maker
    (shift-click for several).
    ``distinct``: in the third-party groups, where many models the paper did not have would all be nearly the same
    grey, give each model its own colour (:func:`distinct_colours`); the model-vs-human group keeps the paper's
    view (the book's :func:`shape_category_pictures` passes it).
    """
    cats = _rounded(categories).assign(what="per category")
    frames = [cats]
    if overall is not None and len(overall):
        summary = overall[overall["kind"] != "observer"][["subject", "training", "group", "shape_bias"]]
        frames.append(_rounded(summary).assign(what="overall"))
    frame = pd.concat(frames, ignore_index=True).drop(columns="source", errors="ignore")
    models = frame[frame["subject"] != HUMANS]
    sources = list(dict.fromkeys(cats.loc[cats["subject"] != HUMANS, "group"]))
    if not sources:
        sources = list(dict.fromkeys(cats["group"]))
    # Humans are the reference in every group: one copy of their rows per group.
    humans = frame[frame["subject"] == HUMANS]
    frame = pd.concat([models[models["group"].isin(sources)]] + [humans.assign(group=s) for s in sources])
    training = dict(zip(frame["subject"], frame["training"]))

    def rank(name: str) -> tuple:
        kind = training.get(name, "unknown")
        return (TRAINING_ORDER.index(kind) if kind in TRAINING_ORDER else len(TRAINING_ORDER), name != HUMANS, natural_key(name))

    # The colour scale follows the dropdown: each group's names (humans first) and their colours.
    domains, ranges = {}, {}
    for source in sources:
        names = sorted(set(frame.loc[frame["group"] == source, "subject"]), key=rank)
        colours = model_colors(names, training)
        if distinct and source != PANELS[0]:  # a third-party group: one distinct colour per model (see below)
            colours.update(distinct_colours([n for n in names if n != HUMANS]))
        domains[source], ranges[source] = names, [colours[n] for n in names]
    param = _safe_name("pick_group")

    def by_source(values_of: dict[str, Any]) -> str:
        """A Vega expression: the value of the group chosen in the dropdown (JSON literals)."""
        expr = json.dumps(next(iter(values_of.values())))
        for source, values in list(values_of.items())[1:]:
            expr = f"{param} === {json.dumps(source)} ? {json.dumps(values)} : {expr}"
        return expr

    # Vega-Lite takes the range as a list whose entries may be expressions: entry i is the i-th colour of the group.
    longest = max(len(v) for v in ranges.values())
    colour_range = [
        alt.ExprRef(by_source({s: v[min(i, len(v) - 1)] for s, v in ranges.items()})) for i in range(longest)
    ]
    colour = alt.Color(
        "subject:N",
        title="decision maker",
        scale=alt.Scale(domain=alt.ExprRef(by_source(domains)), range=colour_range),
        legend=alt.Legend(labelLimit=260, symbolOpacity=1),
    )
    pick = alt.selection_point(fields=["subject"], bind="legend", name="legend_pick")
    x_scale = alt.Scale(domain=[0, 1])
    tips = _tooltip(
        [("subject", "N", None), ("category", "N", None), ("shape_bias", "Q", ".3f"), ("n_shape", "Q", None),
         ("n_texture", "Q", None)]
    )  # fmt: skip
    points = (
        alt.Chart()
        .transform_filter(alt.datum.what == "per category")
        .mark_point(filled=True)
        .encode(
            x=alt.X("shape_bias:Q", scale=x_scale, title="fraction of shape decisions"),
            y=alt.Y("category:N", sort=list(CATEGORIES), title=None),
            color=colour,
            shape=alt.condition(alt.datum.subject == HUMANS, alt.value("diamond"), alt.value("circle")),
            size=alt.condition(alt.datum.subject == HUMANS, alt.value(110), alt.value(45)),
            opacity=alt.condition(pick, alt.value(0.95), alt.value(0.08)),
            tooltip=tips,
        )
        .add_params(pick)
    )
    lines = (
        alt.Chart()
        .transform_filter(alt.datum.what == "overall")
        .mark_rule(strokeWidth=1.5)
        .encode(
            x=alt.X("shape_bias:Q", scale=x_scale),
            color=colour,
            opacity=alt.condition(pick, alt.value(0.8), alt.value(0.05)),
            tooltip=_tooltip([("subject", "N", None), ("shape_bias", "Q", ".3f")]),
        )
    )
    chart = alt.layer(lines, points, data=frame).properties(width=width, height=height)
    return with_dropdown(chart, frame, "group", options=sources, value=value, label="models from")


def stimulus_gallery(examples: pd.DataFrame, thumbnails: Mapping[str, str | None], *, size: int = 112) -> Any:
    """Cue-conflict stimuli with every decision maker's answer, as an HTML table (``IPython.display.HTML``).

    examples:   :func:`humanlike.results.cue_conflict_examples` (one row per image and decision maker).
    thumbnails: a ``data:`` URI per image id (:func:`humanlike.results.stimulus_thumbnails`); an image without
                one is shown as a note.
    Columns: images; rows: all human observers (counts of shape / texture / other answers), then each model's
    answer, coloured by whether it names the shape (blue) or the texture (orange) category. Every text is
    escaped.
    """
    from IPython.display import HTML

    images = examples.drop_duplicates("image_id")[["image_id", "shape", "texture"]]
    models = decision_maker_order(examples.loc[~examples["is_human"].astype(bool), "subject"].astype(str))
    answers = examples.set_index(["image_id", "subject"])

    def pill(text: str, answer: str) -> str:
        # dark text on the light pill in both themes (the page's own text colour is light in dark mode)
        return (f"<span class='humanlike-pill' style='background:{ANSWER_COLORS[answer]};color:#111;border-radius:3px;padding:0 4px;"
                f"white-space:nowrap'>{html_text(text)}</span>")  # fmt: skip

    pad = "padding:2px 6px;border-bottom:1px solid var(--pst-color-border, #ddd);"
    cell = f"style='{pad}text-align:center'"
    name_cell = f"style='{pad}text-align:left;font-weight:normal'"
    head = ["<th></th>"]
    for row in images.itertuples():
        src = thumbnails.get(str(row.image_id))
        if src and str(src).startswith("data:image/"):
            img = f"<img src='{html_text(src)}' width='{size}' alt='{html_text(str(row.image_id))}'>"
        else:
            img = "<em>image not available</em>"
        head.append(
            f"<th style='{pad}text-align:center;vertical-align:top'>{img}<br><span style='font-weight:normal'>shape <b>{html_text(row.shape)}</b><br>"
            f"texture <b>{html_text(row.texture)}</b></span></th>"
        )
    body = []
    humans = examples[examples["is_human"].astype(bool)]
    counts = humans.groupby(["image_id", "answer"]).size()
    line = [f"<th style='{pad}text-align:left'>humans (all observers)</th>"]
    for image in images["image_id"]:
        parts = [pill(f"{counts.get((image, a), 0)} {a}", a) for a in ("shape", "texture", "other") if counts.get((image, a), 0)]
        line.append(f"<td {cell}>{' '.join(parts)}</td>")
    body.append("<tr>" + "".join(line) + "</tr>")
    for model in models:
        line = [f"<th {name_cell}>{html_text(model)}</th>"]
        for image in images["image_id"]:
            if (image, model) in answers.index:
                found = answers.loc[(image, model)]
                line.append(f"<td {cell}>{pill(str(found['response']), str(found['answer']))}</td>")
            else:
                line.append(f"<td {cell}>–</td>")
        body.append("<tr>" + "".join(line) + "</tr>")
    legend = " ".join(pill(f"{a} category", a) for a in ("shape", "texture")) + " " + pill("another answer", "other")
    return HTML(
        "<div class='humanlike-table-box'><table class='humanlike-gallery' style='border-collapse:collapse;font-size:0.85em'>"
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<p style='font-size:0.85em'>{legend}</p></div>"
    )


#: Paul Tol's "muted" and "light" qualitative schemes (colour-blind safe), without the human orange: one colour
#: per model where a group holds many models of the same kind (a third-party source).
DISTINCT_COLORS: tuple[str, ...] = (
    "#332288", "#117733", "#44AA99", "#88CCEE", "#DDCC77", "#CC6677", "#AA4499", "#882255", "#999933",
    "#77AADD", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#EEDD88", "#FFAABB", "#555555", "#BBBBBB",
)  # fmt: skip


def distinct_colours(names: Sequence[str]) -> dict[str, str]:
    """One colour per name from :data:`DISTINCT_COLORS`, in order (repeating after 18 names)."""
    return {name: DISTINCT_COLORS[i % len(DISTINCT_COLORS)] for i, name in enumerate(names)}


def shape_category_pictures(
    categories: pd.DataFrame,
    overall: pd.DataFrame | None,
    pictures: pd.DataFrame,
    *,
    value: str | None = None,
    row_height: int = 30,
    width: int = DEFAULT_WIDTH,
) -> alt.LayerChart:
    """:func:`shape_category_chart` with a picture per category between the category names and the plot:
    ``pictures`` from :func:`humanlike.results.category_pictures` (``category``, ``thumbnail`` as a ``data:``
    URI). Rows are ``row_height`` pixels, so that the pictures stay recognisable. The pictures are one more layer
    (with their own data, drawn just left of the plot), so the chart keeps a single view that narrows as a whole
    on a small screen."""
    chart = shape_category_chart(categories, overall, value=value, width=width, height=row_height * len(CATEGORIES),
                                 distinct=True)
    size = row_height - 4
    icons = (
        alt.Chart(pictures[pictures["thumbnail"] != ""][["category", "image_id", "thumbnail"]])
        .mark_image(width=size, height=size, align="right", baseline="middle")
        .encode(
            y=alt.Y("category:N", sort=list(CATEGORIES), title=None),
            x=alt.value(-4),
            url="thumbnail:N",
            tooltip=[alt.Tooltip("category:N", title="shape category"), alt.Tooltip("image_id:N", title="example")],
        )
    )
    chart.layer = [*chart.layer, icons]
    # room for the pictures between the category names and the plot
    return chart.configure_axisY(labelPadding=size + 10)
