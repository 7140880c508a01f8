r"""Interactive Altair charts that work in the static book (no kernel, no network).

How a chart reaches the page
----------------------------
The book serves one JavaScript file with vega, vega-lite and vega-embed (from the pinned ``vl-convert-python``
wheel) on every page; it defines the global ``vegaEmbed``. :func:`to_html` turns a chart into a ``<div>`` with a
unique id plus a small ``<script>`` that calls that global with the spec inline. Executed notebooks keep this as a
``text/html`` output, which jupyter-book copies into the page as is. Importing this module registers and enables
the Altair renderer ``"humanlike"``, so a chart that ends a notebook cell renders the same way; :func:`show`
displays a chart from anywhere in a cell.

Controls (dataset or model dropdowns, legend selection, tooltips) are Vega-Lite parameters, so they work in the
static HTML. Embed aggregated data only: a chart whose spec exceeds :data:`MAX_CHART_BYTES` raises, and Altair's
own 5,000-row limit stays on. Aggregate the 85,120-row trial table first.

Builders for chapter authors (all take a tidy ``pandas.DataFrame`` and return an Altair chart)
-------------------------------------------------------------------------------------------
* :func:`line_chart`  - one line per decision maker over a numeric or ordinal x, optional interval band,
  a dropdown that picks one value of a column (default ``dataset``), legend selection, tooltips.
* :func:`bar_chart`   - one bar per row with optional interval whiskers and a reference line; dropdown.
* :func:`heatmap`     - a matrix (e.g. presented x responded category) with a dropdown (e.g. per decision maker).
* :func:`with_dropdown` - add a dropdown filter to any chart you built yourself.

Colours encode how a decision maker was trained (:data:`TRAINING_COLORS`); several models of one kind get shades
of the kind's colour (:func:`model_colors`), ``humans`` (all observers pooled, :data:`HUMANS`) the human colour
itself. Legends and decision-maker dropdowns list humans first, then by training type (:func:`decision_maker_order`).

Example (a chapter cell; the chart is the last expression, so it is displayed)::

    from humanlike import charts, data, metrics
    trials = data.load_trials(datasets=data.PARAMETRIC_DATASETS)
    acc = uncertainty.bootstrap_accuracy(trials, per="condition", n_boot=bootstrap, seed=seed)
    acc["level"] = acc["condition"].str.extract(r"([\d.]+)", expand=False).astype(float)
    charts.line_chart(acc, x="level", y="accuracy", lower="ci_low", upper="ci_high",
                      x_title="distortion level", y_title="accuracy", dropdown="dataset",
                      dropdown_options=data.PARAMETRIC_DATASETS)

Your own charts: any Altair chart that ends a cell (or is passed to :func:`show`) is rendered the same way; use
:func:`color_encoding` for the palette and :func:`with_dropdown` / :func:`dropdown` for controls. Each builder
names its dropdown ``pick_<column>`` and its legend selection ``legend_pick``: to put two builder charts side by
side use two cells (or give your own charts distinct parameter names), since one Vega view cannot hold two
parameters of the same name. Do not use ``chart.save()``/``chart.show()`` for the book.

Modules: this one (:mod:`.common`: palette, controls, the generic builders), :mod:`.render` (HTML for the page),
and one module of figures per chapter (:mod:`.noise_robustness`, :mod:`.category_errors`, :mod:`.image_errors`,
:mod:`.shape_bias`, :mod:`.benchmark`). Builders take tidy tables and never read files.
"""

from __future__ import annotations

import colorsys
import functools
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from ..registry import PAPER_ZOO
from ..results.common import HUMANS, TRAINING_ORDER, dataset_coverage, natural_key, training_of

__all__ = [
    "TRAINING_COLORS",
    "TRAINING_ORDER",
    "HUMANS",
    "DEFAULT_WIDTH",
    "DEFAULT_HEIGHT",
    "DECISION_MAKER_COLUMNS",
    "OTHER_MODELS",
    "OTHER_COLOR",
    "FIELD_TITLES",
    "training_of",
    "paper_models",
    "in_paper",
    "colour_groups",
    "colour_key",
    "field_title",
    "level_domain",
    "REFERENCE_COLOR",
    "decision_maker_order",
    "model_colors",
    "color_encoding",
    "dropdown",
    "with_dropdown",
    "line_chart",
    "bar_chart",
    "heatmap",
]

#: Fixed colours by training type (Okabe-Ito, colour-blind safe), in :data:`TRAINING_ORDER`. ``unknown``: a
#: model without metadata (a mid grey, like every model the paper did not have).
TRAINING_COLORS: dict[str, str] = {
    "human": "#D55E00",
    "supervised": "#0072B2",
    "self-supervised": "#009E73",
    "weakly-supervised": "#CC79A7",
    "unknown": "#8A8A8A",  # also the grey of the models the paper did not have (OTHER_COLOR); 3:1 on white too
}
assert tuple(TRAINING_COLORS) == TRAINING_ORDER  # one colour per training type, in legend order

#: Models the paper did not have (SWAG, BagNet, efficientnet, third-party evaluations, your own models) are drawn
#: in shades of this grey and listed after the paper's models, so that charts open on the paper's view: its
#: models and the humans. Their training type stays in the tooltips and tables.
OTHER_MODELS = "not in the paper"
OTHER_COLOR = TRAINING_COLORS["unknown"]

#: Human-readable titles of the tables' columns, for tooltips and legends (a column not listed keeps its name
#: with ``_`` as spaces).
FIELD_TITLES: dict[str, str] = {
    "subject": "decision maker",
    "subject_a": "decision maker",
    "subject_b": "compared with",
    "model": "model",
    "training": "training",
    "training_data": "training data",
    "dataset": "dataset",
    "condition": "condition",
    "label": "level",
    "parameter": "parameter",
    "accuracy": "accuracy",
    "ood_accuracy": "OOD accuracy",
    "ci_low": "95% interval from",
    "ci_high": "95% interval to",
    "low": "lowest pair",
    "high": "highest pair",
    "min": "lowest",
    "max": "highest",
    "mean": "mean",
    "interval": "95% interval",
    "clear": "interval excludes 0",
    "points": "points vs. humans",
    "error_consistency": "error consistency κ",
    "observed_consistency": "observed consistency",
    "accuracy_difference": "accuracy difference",
    "similarity": "confusion similarity",
    "comparison": "compared with",
    "kind": "pair",
    "partner": "partner",
    "n_trials": "trials",
    "n_pairs": "pairs",
    "n_conditions": "conditions",
    "n_datasets": "datasets",
    "n_shape": "shape decisions",
    "n_texture": "texture decisions",
    "shape_bias": "shape bias",
    "mean_rank": "mean rank",
    "source": "source",
    "pipeline": "pipeline",
    "category": "category",
    "response": "response",
    "proportion": "proportion of answers",
    "n": "answers",
    "group": "models from",
    "scope": "datasets",
    "entropy": "response entropy",
}


def field_title(field: str) -> str:
    """The readable title of a column (:data:`FIELD_TITLES`, else the name with spaces for ``_``)."""
    return FIELD_TITLES.get(field, field.replace("_", " "))

DEFAULT_WIDTH = 420  # leaves room for a legend of model names in the book's text column
DEFAULT_HEIGHT = 300
#: Dashed reference lines (chance, zero, half): a mid grey, visible on light and dark pages alike.
REFERENCE_COLOR = "#8C8C8C"


# ----------------------------------------------------------------------------------------- colours
@functools.lru_cache(maxsize=1)
def paper_models() -> frozenset[str]:
    """The names of the paper's 32 models (:data:`humanlike.registry.PAPER_ZOO`)."""
    return frozenset(PAPER_ZOO)


def in_paper(names: Iterable[str], training: Mapping[str, str] | None = None) -> dict[str, bool]:
    """Whether each decision maker belongs to the paper's view: the human observers (pooled or single) and the
    paper's models (:func:`paper_models`). ``training``: known training types by name (default
    :func:`training_of`); a name of type ``human`` counts as human."""
    names = list(dict.fromkeys(str(n) for n in names))
    kinds = training_of(names) if training is None else {n: training.get(n, "unknown") for n in names}
    paper = paper_models()
    return {n: kinds[n] == "human" or n in paper for n in names}


def colour_groups(names: Iterable[str], training: Mapping[str, str] | None = None) -> dict[str, str]:
    """The colour group of each decision maker: its training type when it is human or one of the paper's models,
    else :data:`OTHER_MODELS` (drawn grey)."""
    names = list(dict.fromkeys(str(n) for n in names))
    kinds = training_of(names) if training is None else {n: training.get(n, "unknown") for n in names}
    paper = in_paper(names, kinds)
    return {n: kinds[n] if paper[n] else OTHER_MODELS for n in names}


def _group_rank(group: str) -> int:
    order = [*TRAINING_ORDER, OTHER_MODELS]
    return order.index(group) if group in order else len(order)


def decision_maker_order(names: Iterable[str], training: Mapping[str, str] | None = None) -> list[str]:
    """Sort decision makers: humans first, then the paper's models by training type (:data:`TRAINING_ORDER`),
    then the models the paper did not have, each group by name."""
    names = list(dict.fromkeys(str(n) for n in names))
    kinds = training_of(names) if training is None else {n: training.get(n, "unknown") for n in names}
    groups = colour_groups(names, kinds)
    return sorted(
        names,
        key=lambda n: (_group_rank(groups[n]), _group_rank(kinds[n]), n != HUMANS, natural_key(n)),
    )


def _shades(base: str, k: int) -> list[str]:
    """``k`` distinct shades of ``base``, dark to light, centred on its lightness (the base itself when ``k == 1``)."""
    if k == 1:
        return [base.upper()]
    r, g, b = (int(base[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    span = min(0.42, 0.09 * (k - 1))
    low = lum - span / 2
    low -= max(0.0, low + span - 0.72)  # keep the lightest shade visible on white
    low = max(0.2, low)
    out = []
    for i in range(k):
        rr, gg, bb = colorsys.hls_to_rgb(h, low + span * i / (k - 1), s)
        out.append("#{:02X}{:02X}{:02X}".format(round(rr * 255), round(gg * 255), round(bb * 255)))
    return out



def _greys(k: int) -> list[str]:
    """``k`` greys from dark to mid (:data:`OTHER_COLOR` itself when ``k == 1``), all at least 3:1 in contrast to
    both the light and the dark page (#66 to #92: lighter greys vanish on white, darker ones on the dark page)."""
    if k <= 1:
        return [OTHER_COLOR] * k
    values = [round(0x66 + (0x92 - 0x66) * i / (k - 1)) for i in range(k)]
    return ["#{0:02X}{0:02X}{0:02X}".format(v) for v in values]


def model_colors(names: Iterable[str], training: Mapping[str, str] | None = None) -> dict[str, str]:
    """One colour per decision maker: the colour of its training type, in shades when a type has several members;
    models the paper did not have (:func:`in_paper`) in shades of grey (:data:`OTHER_COLOR`).

    ``humans`` (all observers pooled) always gets the human colour itself; single observers get shades of it.
    ``training``: the training type by name when it is known already (e.g. third-party models); default
    :func:`training_of`.

    The result preserves the order of ``names``; use it as an Altair scale
    (``alt.Scale(domain=list(c), range=list(c.values()))``) or call :func:`color_encoding`.
    """
    names = list(dict.fromkeys(names))
    types = training_of(names) if training is None else {n: training.get(n, "unknown") for n in names}
    kinds = colour_groups(names, types)
    colours: dict[str, str] = {}
    for kind in (*TRAINING_ORDER, OTHER_MODELS):
        members = [n for n in names if kinds[n] == kind and n != HUMANS]
        if kind == OTHER_MODELS:  # light greys only (never near black), so that they stay in the background
            shades = _greys(len(members))
        else:
            shades = _shades(TRAINING_COLORS[kind], len(members)) if members else []
        if kind == "human" and HUMANS in kinds and members:  # keep the base colour for the pooled humans
            extra = _shades(TRAINING_COLORS[kind], len(members) + 1)
            shades = [c for c in extra if c != TRAINING_COLORS[kind]][: len(members)]
        colours.update(zip(members, shades))
    if HUMANS in kinds:
        colours[HUMANS] = TRAINING_COLORS["human"]  # the aggregate of all observers: the palette colour itself
    return {n: colours.get(n, TRAINING_COLORS["unknown"]) for n in names}


def color_encoding(field: str, values: Iterable[str], *, title: str | None = None, by: str = "model") -> alt.Color:
    """An ``alt.Color`` with the fixed palette.

    by="model":    ``field`` holds decision-maker names; colours from :func:`model_colors`, legend in
                   :func:`decision_maker_order`.
    by="training": ``field`` holds training types or colour groups (:func:`colour_groups`); colours from
                   :data:`TRAINING_COLORS`, :data:`OTHER_MODELS` grey.
    """
    values = list(dict.fromkeys(str(v) for v in values))
    if by == "training":
        domain = sorted(values, key=_group_rank)
        rng = [TRAINING_COLORS.get(t, OTHER_COLOR) for t in domain]
    elif by == "model":
        domain = decision_maker_order(values)
        colours = model_colors(domain)
        rng = [colours[n] for n in domain]
    else:
        raise ValueError(f"by must be 'model' or 'training', not {by!r}")
    return alt.Color(
        f"{field}:N",
        title=title or field_title(field),
        scale=alt.Scale(domain=domain, range=rng),
        sort=domain,
        legend=alt.Legend(labelLimit=190, symbolOpacity=1),
    )


# ----------------------------------------------------------------------------------------- controls
def _safe_name(name: str) -> str:
    return re.sub(r"\W", "_", name)


def dropdown(name: str, options: Sequence[Any], value: Any = None, label: str | None = None) -> alt.Parameter:
    """A Vega-Lite variable parameter bound to an HTML ``<select>`` (works in the static page).

    ``name`` must be a valid identifier within the chart; ``label`` is the text beside the control.
    """
    options = list(options)
    if not options:
        raise ValueError(f"dropdown {name!r} has no options")
    value = options[0] if value is None else value
    if value not in options:
        raise ValueError(f"dropdown {name!r}: default {value!r} is not among the options")
    return alt.param(
        name=_safe_name(name), value=value, bind=alt.binding_select(options=options, name=f"{label or name} ")
    )


#: Columns that hold decision-maker names: their dropdowns list humans first, then by training type.
DECISION_MAKER_COLUMNS = ("subject", "model", "subject_a", "subject_b")


def _options(data: pd.DataFrame, column: str, options: Sequence[Any] | None) -> list[Any]:
    present = list(pd.unique(data[column]))
    if options is None:
        if column in DECISION_MAKER_COLUMNS:
            return decision_maker_order(str(v) for v in present)
        return present
    return [o for o in options if o in set(present)]


def with_dropdown(
    chart: alt.TopLevelMixin,
    data: pd.DataFrame,
    column: str,
    *,
    options: Sequence[Any] | None = None,
    value: Any = None,
    label: str | None = None,
) -> alt.TopLevelMixin:
    """Add a dropdown that shows only the rows whose ``column`` equals the chosen option.

    ``options`` fixes their order (e.g. ``humanlike.data.DATASETS``); values absent from ``data`` are dropped.
    Without ``options``: order of appearance, or :func:`decision_maker_order` for a column of decision makers
    (:data:`DECISION_MAKER_COLUMNS`).
    ``chart`` must take its data from the top level (as all builders here do).
    """
    opts = _options(data, column, options)
    if value is not None and value not in opts:
        value = None
    param = dropdown(f"pick_{column}", opts, value=value, label=label or column)
    return chart.add_params(param).transform_filter(alt.datum[column] == param)


#: The note of a chart in which some values average over fewer datasets than the others (issue 16).
FEWER_DATASETS = ["hollow dashed bars: averaged over fewer datasets", "than the others, so not comparable"]


def _fewer_datasets(data: pd.DataFrame, dropdown: str | None) -> pd.DataFrame | None:
    """``data`` with ``fewer`` and ``datasets`` (:func:`humanlike.results.common.dataset_coverage` of its
    ``n_datasets`` per dropdown value), when some row rests on fewer datasets; None otherwise."""
    if "n_datasets" not in data or data.empty:
        return None
    coverage = dataset_coverage(data["n_datasets"], data[dropdown] if dropdown else None)
    if not coverage["fewer"].any():
        return None
    return data.assign(fewer=coverage["fewer"], datasets=coverage["datasets"])


def _titled_with_dropdown(
    chart: alt.TopLevelMixin,
    data: pd.DataFrame,
    title: str | None,
    dropdown: str | None,
    options: Sequence[Any] | None,
    value: Any,
) -> alt.TopLevelMixin:
    """The last step of every builder: an optional title, then the optional dropdown filter."""
    if title:
        chart = chart.properties(title=title)
    if dropdown:
        chart = with_dropdown(chart, data, dropdown, options=options, value=value)
    return chart


def _tooltip(fields: Sequence[tuple[str, str, str | None]], titles: Mapping[str, str] | None = None) -> list[alt.Tooltip]:
    """Tooltip entries ``(field, type letter, d3 format or None)`` with readable titles (:func:`field_title`,
    overridden by ``titles``)."""
    titles = dict(titles or {})
    out = []
    for f, t, fmt in fields:
        title = titles.get(f) or field_title(f)
        out.append(alt.Tooltip(f"{f}:{t}", format=fmt, title=title) if fmt else alt.Tooltip(f"{f}:{t}", title=title))
    return out


def _value_tooltip(
    keys: Sequence[tuple[str, str, str | None]],
    value: str,
    lower: str | None,
    upper: str | None,
    extra: Sequence[str],
    titles: Mapping[str, str] | None = None,
) -> list[alt.Tooltip]:
    """Tooltip of a builder: its key fields, the value, the interval if any, then the caller's extra columns."""
    fields = [*keys, (value, "Q", ".3f")]
    if lower and upper:
        fields += [(lower, "Q", ".3f"), (upper, "Q", ".3f")]
    return _tooltip([*fields, *((t, "N", None) for t in extra)], titles)


def _type(data: pd.DataFrame, column: str, given: str | None) -> str:
    if given:
        return given
    return "Q" if pd.api.types.is_numeric_dtype(data[column]) else "N"


# ----------------------------------------------------------------------------------------- builders
def line_chart(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str = "subject",
    dropdown: str | None = "dataset",
    dropdown_options: Sequence[Any] | None = None,
    dropdown_value: Any = None,
    lower: str | None = None,
    upper: str | None = None,
    x_type: str | None = None,
    x_sort: Sequence[Any] | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    y_domain: tuple[float, float] | None = (0.0, 1.0),
    x_scale: alt.Scale | None = None,
    color_by: str = "model",
    title: str | None = None,
    tooltip: Sequence[str] = (),
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
) -> alt.LayerChart:
    """Lines with points, one per value of ``color``; optional interval band; a dropdown filter; legend selection.

    data:      tidy frame, one row per (dropdown value, color value, x).
    x, y:      columns; ``x_type`` is a Vega-Lite type letter (``"Q"``, ``"O"``, ``"N"``; default: Q if numeric).
               Use ``x_sort`` for the order of an ordinal x, ``x_scale`` e.g. ``alt.Scale(type="log")``.
    lower/upper: interval columns (e.g. bootstrap 2.5 % / 97.5 %), drawn as a translucent band.
    dropdown:  column whose values a ``<select>`` chooses between (``None``: no dropdown);
               ``dropdown_options`` fixes the option order, ``dropdown_value`` the initial choice.
    color:     column of decision-maker names (``color_by="model"``) or training types (``color_by="training"``).
    tooltip:   extra columns for the tooltip.
    Clicking a legend entry highlights that decision maker (shift-click for several).
    """
    xt = _type(data, x, x_type)
    x_enc = alt.X(f"{x}:{xt}", title=x_title or field_title(x), sort=list(x_sort) if x_sort is not None else None)
    if x_scale is not None:
        x_enc = x_enc.scale(x_scale)
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    y_enc = alt.Y(f"{y}:Q", title=y_title or field_title(y), scale=y_scale)
    col = color_encoding(color, data[color], by=color_by)
    pick = alt.selection_point(fields=[color], bind="legend", name="legend_pick")
    tips = _value_tooltip(
        [(color, "N", None), (x, xt, None)], y, lower, upper, tooltip, {x: x_title or "", y: y_title or ""}
    )

    base = alt.Chart().encode(x=x_enc, color=col)
    layers = []
    if lower and upper:
        layers.append(
            base.mark_area(opacity=0.15).encode(
                y=alt.Y(f"{lower}:Q", scale=y_scale, title=y_title or y),
                y2=f"{upper}:Q",
                opacity=alt.condition(pick, alt.value(0.18), alt.value(0.03)),
            )
        )
    layers.append(
        base.mark_line(point=True, strokeWidth=2)
        .encode(y=y_enc, tooltip=tips, opacity=alt.condition(pick, alt.value(1.0), alt.value(0.15)))
        .add_params(pick)
    )
    chart = alt.layer(*layers, data=data).properties(width=width, height=height)
    return _titled_with_dropdown(chart, data, title, dropdown, dropdown_options, dropdown_value)


def bar_chart(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = "subject",
    dropdown: str | None = "dataset",
    dropdown_options: Sequence[Any] | None = None,
    dropdown_value: Any = None,
    lower: str | None = None,
    upper: str | None = None,
    sort: Sequence[Any] | str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    y_domain: tuple[float, float] | None = (0.0, 1.0),
    reference: float | None = None,
    color_by: str = "model",
    horizontal: bool = False,
    title: str | None = None,
    tooltip: Sequence[str] = (),
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
) -> alt.LayerChart:
    """Bars of ``y`` per ``x`` (a category, e.g. the decision maker), with optional interval whiskers.

    data:      tidy frame, one row per (dropdown value, x).
    x:         the categorical axis; ``sort`` is a list of its values, ``"-y"`` (descending value) or ``None``
               (default for ``color_by="model"``: :func:`decision_maker_order`).
    y:         the value; ``lower``/``upper`` draw an interval (e.g. 95 % bootstrap) as a rule.
    color:     column coloured with the palette (``None``: single colour); usually the same as ``x``.
    reference: draws a dashed horizontal line at this value (e.g. chance level 1/16).
    horizontal: bars along x (long model names read better).
    dropdown:  as in :func:`line_chart`.

    With a column ``n_datasets`` (values averaged over datasets, e.g. "all datasets"), a bar averaging over fewer
    datasets than the most of its dropdown choice is drawn hollow and dashed, its tooltip says "1 of 3", and the
    chart's subtitle says why (:data:`FEWER_DATASETS`): it is not comparable with the others.
    """
    if sort is None and color_by == "model" and color == x:
        sort = decision_maker_order(data[x].astype(str))
    sort_arg = sort if isinstance(sort, str) else (list(sort) if sort is not None else None)
    cat_ch, val_ch = ("y", "x") if horizontal else ("x", "y")
    channel = {"x": alt.X, "y": alt.Y}
    val_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    cat_enc = channel[cat_ch](f"{x}:N", title=x_title or field_title(x), sort=sort_arg)
    tips = _value_tooltip([(x, "N", None)], y, lower, upper, tooltip, {x: x_title or "", y: y_title or ""})

    y_title = y_title or field_title(y)
    enc: dict[str, Any] = {cat_ch: cat_enc, val_ch: channel[val_ch](f"{y}:Q", title=y_title, scale=val_scale)}
    if color:
        col = color_encoding(color, data[color], by=color_by)
        enc["color"] = col.legend(None) if color == x else col
    fewer = _fewer_datasets(data, dropdown)
    if fewer is not None:  # hollow, dashed bars, never drawn like the comparable ones
        data = fewer
        tips.append(alt.Tooltip("datasets:N", title="datasets averaged"))
        when = "datum.fewer"
        enc.update(
            fillOpacity=alt.condition(when, alt.value(0.2), alt.value(1.0)),
            strokeDash=alt.condition(when, alt.value([4, 2]), alt.value([1, 0])),
            strokeWidth=alt.condition(when, alt.value(1.5), alt.value(0.0)),
        )
        if color:
            enc["stroke"] = alt.Stroke(f"{color}:N", scale=col.to_dict()["scale"], legend=None)
        title = (  # Vega draws no subtitle under an empty title
            alt.TitleParams(title, subtitle=FEWER_DATASETS, anchor="start", subtitleFontSize=11) if title
            else alt.TitleParams(FEWER_DATASETS, anchor="start", fontSize=11, fontWeight="normal")
        )
    layers = [alt.Chart().mark_bar().encode(**enc, tooltip=tips)]
    if lower and upper:
        layers.append(
            alt.Chart()
            .mark_rule()  # the theme's rule colour: black on light pages, light grey in dark mode
            .encode(
                **{cat_ch: cat_enc, val_ch: channel[val_ch](f"{lower}:Q", title=y_title, scale=val_scale)},
                **{f"{val_ch}2": f"{upper}:Q"},
            )
        )
    if reference is not None:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color=REFERENCE_COLOR).encode(**{val_ch: alt.datum(reference)}))
    size = {"width": width, "height": height}
    chart = alt.layer(*layers, data=data).properties(**size)
    return _titled_with_dropdown(chart, data, title, dropdown, dropdown_options, dropdown_value)


def heatmap(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    value: str,
    dropdown: str | None = "subject",
    dropdown_options: Sequence[Any] | None = None,
    dropdown_value: Any = None,
    x_sort: Sequence[Any] | None = None,
    y_sort: Sequence[Any] | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    value_title: str | None = None,
    domain: tuple[float, float] | None = None,
    scheme: str = "viridis",
    text_format: str | None = None,
    value_format: str | None = None,
    title: str | None = None,
    tooltip: Sequence[str] = (),
    width: int = 360,
    height: int = 360,
) -> alt.LayerChart:
    """A coloured matrix of ``value`` over ``x`` and ``y`` (e.g. presented vs. responded category).

    data:       tidy frame, one row per (dropdown value, x, y).
    x_sort/y_sort: category order (e.g. ``humanlike.data.CATEGORIES``).
    domain:     fixed colour domain, e.g. ``(0, 1)``, so that options stay comparable when the dropdown changes.
    scheme:     a Vega colour scheme; a diverging one (``"redblue"``) suits signed values.
    text_format: a d3 format (e.g. ``".2f"``) to print the value in each cell; ``None`` prints nothing.
    value_format: the d3 format of the value in the tooltip (default ``".3f"``, ``"+.1f"`` when ``domain`` spans
                more than 2, e.g. accuracy points).
    dropdown:   as in :func:`line_chart` (default: one matrix per ``subject``).
    """
    scale = alt.Scale(scheme=scheme, domain=list(domain)) if domain else alt.Scale(scheme=scheme)
    if value_format is None:
        value_format = "+.1f" if domain and max(abs(domain[0]), abs(domain[1])) > 2 else ".3f"
    tips = _tooltip(
        [(y, "N", None), (x, "N", None), (value, "Q", value_format)] + [(t, "N", None) for t in tooltip],
        {x: x_title or "", y: y_title or "", value: value_title or ""},
    )
    enc = {
        "x": alt.X(f"{x}:N", title=x_title or field_title(x), sort=list(x_sort) if x_sort is not None else None),
        "y": alt.Y(f"{y}:N", title=y_title or field_title(y), sort=list(y_sort) if y_sort is not None else None),
    }
    layers = [
        alt.Chart()
        .mark_rect()
        .encode(**enc, color=alt.Color(f"{value}:Q", title=value_title or field_title(value), scale=scale), tooltip=tips)
    ]
    if text_format:
        mid = (domain[0] + domain[1]) / 2 if domain else float(data[value].median())
        # A number is printed only in cells wide enough for it (narrow screens shrink the cells): the longest
        # printed value at 9 px, about 5.5 px a character; the tooltip always has it.
        widest = 4 + 5.5 * max(len(_d3_number(v, text_format)) for v in data[value].dropna()) if data[value].notna().any() else 0
        layers.append(
            alt.Chart()
            .mark_text(fontSize=9)
            .encode(
                **enc,
                text=alt.condition(
                    f"bandwidth('x') >= {widest:.0f}", alt.Text(f"{value}:Q", format=text_format), alt.value("")
                ),
                color=alt.condition(alt.datum[value] > mid, alt.value("black"), alt.value("white")),
            )
        )
    chart = alt.layer(*layers, data=data).properties(width=width, height=height)
    return _titled_with_dropdown(chart, data, title, dropdown, dropdown_options, dropdown_value)



# ----------------------------------------------------------------------------------------- helpers of the figures
def _d3_number(value: float, spec: str) -> str:
    """``value`` as the d3 format ``spec`` prints it, near enough to measure its width (sign, precision, type)."""
    match = re.fullmatch(r"([+-]?)\.?(\d*)([a-z%]?)", spec)
    if not match:
        return f"{value:.3f}"
    sign, digits, kind = match.groups()
    kind = {"": "g", "%": "%"}.get(kind, kind if kind in "efg" else "f")
    return format(value, f"{sign}.{digits or 6}{kind}")
def _rounded(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """A copy with floats rounded (smaller pages; tooltips format them anyway)."""
    out = frame.copy()
    floats = out.select_dtypes("float").columns
    out[floats] = out[floats].round(digits)
    return out


# ----------------------------------------------------------------------------------------- the colour key
#: What each colour stands for, in :func:`colour_key`.
_KEY_TEXT: dict[str, str] = {
    "human": "human observers (all observers pooled: the line or point labelled humans; single observers in shades)",
    "supervised": "supervised models of the paper (ImageNet labels)",
    "self-supervised": "self-supervised models of the paper (trained without labels, then a linear read-out)",
    "weakly-supervised": "weakly-supervised models of the paper",
    OTHER_MODELS: "models the paper did not have (SWAG, BagNet, efficientnet, third-party evaluations, your own "
    "models): grey, listed last; their training type is in the tooltips",
}


def colour_key(groups: Sequence[str] | None = None) -> Any:
    """The book's colour key as HTML (``IPython.display.HTML``): one swatch per colour group, and a sentence on
    shades and greys. ``groups`` limits it to these groups (default: human, supervised, self-supervised and
    :data:`OTHER_MODELS`, the groups of the paper's view)."""
    from IPython.display import HTML

    shown = list(groups) if groups is not None else ["human", "supervised", "self-supervised", OTHER_MODELS]
    items = []
    for group in shown:
        colour = TRAINING_COLORS.get(group, OTHER_COLOR)
        text = _KEY_TEXT.get(group, group)
        items.append(
            f"<li><span class='humanlike-swatch' style='background:{colour}'></span> "
            f"<strong>{html.escape(group)}</strong>: {html.escape(text)}</li>"
        )
    note = (
        "Every chart of the book uses these colours. Several models of one kind get shades of the kind's colour; "
        "legends list humans first, then the paper's models by training type, then the others."
    )
    return HTML(f"<div class='humanlike-colour-key'><ul>{''.join(items)}</ul><p>{note}</p></div>")


# ----------------------------------------------------------------------------------------- ordered level axes
def level_domain(data: pd.DataFrame, label: str, order: str, dropdown: str | None) -> list[Any] | alt.ExprRef:
    """The domain of an ordinal level axis: the labels of the conditions in ``order`` (ascending), per value of the
    ``dropdown`` column when there is one (a Vega expression that picks the list of the dataset chosen).

    Why not ``sort=EncodingSortField(order)``: in a layered chart Vega unions the domains of the layers through
    incremental ``min`` aggregates over modified tuples, which keep stale values when the dropdown filter swaps
    the data (labels such as "0" or "30" occur in several datasets with different ranks); after a few switches
    the axis came out as 0, 30, 90, 60, ... An explicit domain has no such state.
    """
    ordered = data.sort_values(order, kind="stable")

    def labels(frame: pd.DataFrame) -> list[Any]:
        return [v.item() if hasattr(v, "item") else v for v in pd.unique(frame[label])]

    if not dropdown or dropdown not in data.columns or data[dropdown].nunique() <= 1:
        return labels(ordered)
    lists = {str(key): labels(group) for key, group in ordered.groupby(dropdown, sort=False)}
    table = json.dumps(lists, separators=(",", ":"), default=str)
    return alt.ExprRef(f"{table}[{_safe_name(f'pick_{dropdown}')}] || []")
