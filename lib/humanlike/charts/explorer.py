"""The static trial explorer: pick a dataset, a category and an image in dropdowns, and see the stimulus and what
every decision maker answered. A Vega-Lite view over an embedded per-image table, so it works in the static page
without a kernel (the ipywidgets :class:`humanlike.explorer.Explorer` remains for live kernels).

See Also
--------
humanlike.results.explorer : the tables it draws (:func:`~humanlike.results.explorer.explorer_trials`,
    :func:`~humanlike.results.explorer.explorer_thumbnails`).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from .common import decision_maker_order, dropdown
from .shape_bias import ANSWER_COLORS

__all__ = ["EXPLORER_ANSWER_COLORS", "explorer_chart"]

#: Colours of the answers: right (on cue-conflict: the shape) blue, the cue-conflict texture orange, anything else
#: grey (the palette of the chapter 4 gallery).
EXPLORER_ANSWER_COLORS: dict[str, str] = {
    "right": ANSWER_COLORS["shape"],
    "texture": ANSWER_COLORS["texture"],
    "wrong": "#8C8C8C",
}
#: How the ``answer`` values of :func:`humanlike.results.explorer.explorer_trials` are coloured.
_COLOUR_OF = {"correct": "right", "shape": "right", "texture": "texture", "wrong": "wrong", "other": "wrong"}


def explorer_chart(
    answers: pd.DataFrame,
    thumbnails: pd.DataFrame,
    *,
    datasets: Sequence[str] | None = None,
    dataset: str | None = None,
    size: int = 112,
    width: int = 200,
) -> alt.VConcatChart:
    """The explorer as one Vega-Lite chart: three dropdowns (dataset, category, image number), the stimulus, and
    one row per decision maker who saw it (its answer as text, the square coloured by
    :data:`EXPLORER_ANSWER_COLORS`).

    answers:    :func:`humanlike.results.explorer.explorer_trials`;
    thumbnails: :func:`humanlike.results.explorer.explorer_thumbnails` (``data:`` URIs; an empty one draws no
                image);
    datasets:   dropdown order (default: as in ``answers``); ``dataset``: the initial choice.
    """
    if answers.empty:
        raise ValueError("no answers to explore")
    options = [d for d in (datasets or pd.unique(answers["dataset"])) if d in set(answers["dataset"])]
    categories = sorted(answers["category"].unique())
    numbers = sorted(int(n) for n in answers["number"].unique())
    p_dataset = dropdown("explore_dataset", options, value=dataset if dataset in options else None, label="dataset")
    p_category = dropdown("explore_category", categories, label="category")
    p_number = dropdown("explore_image", numbers, label="image")
    chosen = (
        (alt.datum.dataset == p_dataset) & (alt.datum.category == p_category) & (alt.datum.number == p_number)
    )

    order = decision_maker_order(answers["subject"].astype(str).unique())
    rank = {name: i for i, name in enumerate(order)}
    table = answers.assign(rank=answers["subject"].astype(str).map(rank), colour=answers["answer"].map(_COLOUR_OF))[
        ["dataset", "category", "number", "image_id", "subject", "training", "response", "answer", "colour", "rank"]
    ]
    images = thumbnails[["dataset", "category", "number", "image_id", "texture", "thumbnail"]].copy()
    # two short lines (the image, then its categories), so that the caption fits a phone's width
    images["caption"] = [
        [str(i), f"shape {c}, texture {t}" if t else f"category {c}"]
        for i, c, t in zip(images["image_id"], images["category"], images["texture"])
    ]

    base = alt.Chart(images).transform_filter(chosen)
    picture = base.mark_image(width=size, height=size).encode(
        x=alt.value(size / 2), y=alt.value(size / 2), url="thumbnail:N"
    )
    caption = base.mark_text(align="left", baseline="top", fontSize=12).encode(
        x=alt.value(0), y=alt.value(size + 8), text="caption:N"
    )
    stimulus = alt.layer(picture, caption).properties(width=width, height=size + 36)

    colours = alt.Scale(domain=list(EXPLORER_ANSWER_COLORS), range=list(EXPLORER_ANSWER_COLORS.values()))
    rows = alt.Chart(table).transform_filter(chosen)
    y = alt.Y("subject:N", sort=alt.EncodingSortField("rank", order="ascending"), title="decision maker",
              axis=alt.Axis(labelLimit=150))  # fmt: skip
    tooltip = [alt.Tooltip("subject:N", title="decision maker"), alt.Tooltip("training:N", title="training"),
               alt.Tooltip("response:N", title="answer"), alt.Tooltip("answer:N", title="counts as")]  # fmt: skip
    mark = rows.mark_square(size=120).encode(
        x=alt.value(8), y=y, color=alt.Color("colour:N", scale=colours, title="answer", legend=alt.Legend(orient="bottom")),
        tooltip=tooltip
    )
    text = rows.mark_text(align="left", dx=18, fontSize=12).encode(x=alt.value(0), y=y, text="response:N",
                                                                    tooltip=tooltip)  # fmt: skip
    answered = alt.layer(mark, text).properties(width=max(80, width - 140), height=alt.Step(16))
    return (
        alt.vconcat(stimulus, answered, spacing=4)
        .add_params(p_dataset, p_category, p_number)
        .configure_view(stroke=None)
        .properties(usermeta={"humanlike": {"explorer": True}})
    )
