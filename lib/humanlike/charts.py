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
    acc = metrics.bootstrap_accuracy(trials, per="condition", n_boot=bootstrap, seed=seed)
    acc["level"] = acc["condition"].str.extract(r"([\d.]+)", expand=False).astype(float)
    charts.line_chart(acc, x="level", y="accuracy", lower="ci_low", upper="ci_high",
                      x_title="distortion level", y_title="accuracy", dropdown="dataset",
                      dropdown_options=data.PARAMETRIC_DATASETS)

Your own charts: any Altair chart that ends a cell (or is passed to :func:`show`) is rendered the same way; use
:func:`color_encoding` for the palette and :func:`with_dropdown` / :func:`dropdown` for controls. Each builder
names its dropdown ``pick_<column>`` and its legend selection ``legend_pick``: to put two builder charts side by
side use two cells (or give your own charts distinct parameter names), since one Vega view cannot hold two
parameters of the same name. Do not use ``chart.save()``/``chart.show()`` for the book.
"""

from __future__ import annotations

import colorsys
import hashlib
import html
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

__all__ = [
    "TRAINING_COLORS",
    "TRAINING_ORDER",
    "HUMANS",
    "MAX_CHART_BYTES",
    "as_list",
    "training_of",
    "decision_maker_order",
    "model_colors",
    "color_encoding",
    "dropdown",
    "with_dropdown",
    "line_chart",
    "bar_chart",
    "heatmap",
    "to_html",
    "show",
    "enable",
]

#: Fixed colours by training type (Okabe-Ito, colour-blind safe). ``unknown``: a model without metadata.
TRAINING_COLORS: dict[str, str] = {
    "human": "#D55E00",
    "supervised": "#0072B2",
    "self-supervised": "#009E73",
    "weakly-supervised": "#CC79A7",
    "unknown": "#7F7F7F",
}
#: Legend and sort order of the training types.
TRAINING_ORDER: tuple[str, ...] = tuple(TRAINING_COLORS)
#: The name under which chapters aggregate all human observers into one decision maker.
HUMANS = "humans"
#: Largest spec (JSON bytes, data included) that :func:`to_html` accepts; keeps each page small.
MAX_CHART_BYTES = 1_500_000

DEFAULT_WIDTH = 420  # leaves room for a legend of model names in the book's text column
DEFAULT_HEIGHT = 300
#: vega-embed options: export buttons only (no editor link, which would point to another site).
EMBED_OPTIONS: dict[str, Any] = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


# ----------------------------------------------------------------------------------------- parameters
def as_list(value: Any) -> list[str] | None:
    """Normalise a notebook parameter that names several things into a list of strings (or ``None``).

    Accepts ``None``, a list/tuple, a JSON list given as text (papermill's ``-p models '["a", "b"]'`` passes text),
    or comma-separated text (``"resnet50, swag-*"``). ``None``, ``""``, ``"None"`` and ``"all"`` mean "no selection".
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "None", "null", "all"):
            return None
        if text.startswith("["):
            parsed = json.loads(text)
            return [str(v) for v in parsed]
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    raise TypeError(f"expected a list of names, got {value!r}")


# ----------------------------------------------------------------------------------------- colours
def training_of(names: Iterable[str]) -> dict[str, str]:
    """Map decision-maker names to their training type (``human`` for ``humans`` and ``subject-NN``)."""
    from .data import model_metadata  # imported lazily: charts work without the data layer

    names = list(dict.fromkeys(names))
    if not names:
        return {}
    meta = model_metadata(names)
    training = dict(zip(meta["model"], meta["training"].fillna("unknown")))
    return {n: (training.get(n) if training.get(n) in TRAINING_COLORS else "unknown") for n in names}


def _natural(name: str) -> list[Any]:
    """Sort key that orders numbers inside names by value: regnety-16gf < regnety-32gf < regnety-128gf."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.lower())]


def decision_maker_order(names: Iterable[str]) -> list[str]:
    """Sort decision makers: humans first, then by training type (:data:`TRAINING_ORDER`), then by name."""
    kinds = training_of(names)
    return sorted(kinds, key=lambda n: (TRAINING_ORDER.index(kinds[n]), n != HUMANS, _natural(n)))


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


def model_colors(names: Iterable[str]) -> dict[str, str]:
    """One colour per decision maker: the colour of its training type, in shades when a type has several members.

    ``humans`` (all observers pooled) always gets the human colour itself; single observers get shades of it.

    The result preserves the order of ``names``; use it as an Altair scale
    (``alt.Scale(domain=list(c), range=list(c.values()))``) or call :func:`color_encoding`.
    """
    names = list(dict.fromkeys(names))
    kinds = training_of(names)
    colours: dict[str, str] = {}
    for kind in TRAINING_ORDER:
        members = [n for n in names if kinds[n] == kind and n != HUMANS]
        shades = _shades(TRAINING_COLORS[kind], len(members))
        if kind == "human" and HUMANS in kinds and members:  # keep the base colour for the pooled humans
            extra = _shades(TRAINING_COLORS[kind], len(members) + 1)
            shades = [c for c in extra if c != TRAINING_COLORS[kind]][: len(members)]
        for name, colour in zip(members, shades):
            colours[name] = colour
    if HUMANS in kinds:
        colours[HUMANS] = TRAINING_COLORS["human"]  # the aggregate of all observers: the palette colour itself
    return {n: colours[n] for n in names}


def color_encoding(field: str, values: Iterable[str], *, title: str | None = None, by: str = "model") -> alt.Color:
    """An ``alt.Color`` with the fixed palette.

    by="model":    ``field`` holds decision-maker names; colours from :func:`model_colors`, legend in
                   :func:`decision_maker_order`.
    by="training": ``field`` holds training types; colours from :data:`TRAINING_COLORS`.
    """
    values = list(dict.fromkeys(str(v) for v in values))
    if by == "training":
        domain = [t for t in TRAINING_ORDER if t in values] + [v for v in values if v not in TRAINING_COLORS]
        rng = [TRAINING_COLORS.get(t, TRAINING_COLORS["unknown"]) for t in domain]
    elif by == "model":
        domain = decision_maker_order(values)
        colours = model_colors(domain)
        rng = [colours[n] for n in domain]
    else:
        raise ValueError(f"by must be 'model' or 'training', not {by!r}")
    return alt.Color(
        f"{field}:N",
        title=title or field,
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


def _tooltip(fields: Sequence[tuple[str, str, str | None]]) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{f}:{t}", format=fmt) if fmt else alt.Tooltip(f"{f}:{t}") for f, t, fmt in fields]


def _value_tooltip(
    keys: Sequence[tuple[str, str, str | None]], value: str, lower: str | None, upper: str | None, extra: Sequence[str]
) -> list[alt.Tooltip]:
    """Tooltip of a builder: its key fields, the value, the interval if any, then the caller's extra columns."""
    fields = [*keys, (value, "Q", ".3f")]
    if lower and upper:
        fields += [(lower, "Q", ".3f"), (upper, "Q", ".3f")]
    return _tooltip([*fields, *((t, "N", None) for t in extra)])


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
    x_enc = alt.X(f"{x}:{xt}", title=x_title or x, sort=list(x_sort) if x_sort is not None else None)
    if x_scale is not None:
        x_enc = x_enc.scale(x_scale)
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    y_enc = alt.Y(f"{y}:Q", title=y_title or y, scale=y_scale)
    col = color_encoding(color, data[color], by=color_by)
    pick = alt.selection_point(fields=[color], bind="legend", name="legend_pick")
    tips = _value_tooltip([(color, "N", None), (x, xt, None)], y, lower, upper, tooltip)

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
    """
    if sort is None and color_by == "model" and color == x:
        sort = decision_maker_order(data[x].astype(str))
    sort_arg = sort if isinstance(sort, str) else (list(sort) if sort is not None else None)
    cat_ch, val_ch = ("y", "x") if horizontal else ("x", "y")
    channel = {"x": alt.X, "y": alt.Y}
    val_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    cat_enc = channel[cat_ch](f"{x}:N", title=x_title or x, sort=sort_arg)
    tips = _value_tooltip([(x, "N", None)], y, lower, upper, tooltip)

    enc: dict[str, Any] = {cat_ch: cat_enc, val_ch: channel[val_ch](f"{y}:Q", title=y_title or y, scale=val_scale)}
    if color:
        col = color_encoding(color, data[color], by=color_by)
        enc["color"] = col.legend(None) if color == x else col
    layers = [alt.Chart().mark_bar().encode(**enc, tooltip=tips)]
    if lower and upper:
        layers.append(
            alt.Chart()
            .mark_rule(color="black")
            .encode(
                **{cat_ch: cat_enc, val_ch: channel[val_ch](f"{lower}:Q", title=y_title or y, scale=val_scale)},
                **{f"{val_ch}2": f"{upper}:Q"},
            )
        )
    if reference is not None:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color="#555").encode(**{val_ch: alt.datum(reference)}))
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
    dropdown:   as in :func:`line_chart` (default: one matrix per ``subject``).
    """
    scale = alt.Scale(scheme=scheme, domain=list(domain)) if domain else alt.Scale(scheme=scheme)
    tips = _tooltip([(y, "N", None), (x, "N", None), (value, "Q", ".3f")] + [(t, "N", None) for t in tooltip])
    enc = {
        "x": alt.X(f"{x}:N", title=x_title or x, sort=list(x_sort) if x_sort is not None else None),
        "y": alt.Y(f"{y}:N", title=y_title or y, sort=list(y_sort) if y_sort is not None else None),
    }
    layers = [
        alt.Chart()
        .mark_rect()
        .encode(**enc, color=alt.Color(f"{value}:Q", title=value_title or value, scale=scale), tooltip=tips)
    ]
    if text_format:
        mid = (domain[0] + domain[1]) / 2 if domain else float(data[value].median())
        layers.append(
            alt.Chart()
            .mark_text(fontSize=9)
            .encode(
                **enc,
                text=alt.Text(f"{value}:Q", format=text_format),
                color=alt.condition(alt.datum[value] > mid, alt.value("black"), alt.value("white")),
            )
        )
    chart = alt.layer(*layers, data=data).properties(width=width, height=height)
    return _titled_with_dropdown(chart, data, title, dropdown, dropdown_options, dropdown_value)


# ----------------------------------------------------------------------------------------- rendering
_counter = itertools.count(1)

_TEMPLATE = """<div id="{div_id}" class="humanlike-chart" data-humanlike-chart="1"></div>
<script type="text/javascript">
(function () {{
  var spec = {spec};
  var options = {options};
  var el = document.getElementById("{div_id}");
  function fail(message) {{
    el.setAttribute("data-error", String(message));
    el.innerHTML = '<p class="humanlike-chart-error"></p>';
    el.firstChild.textContent = String(message);
  }}
  function render() {{
    window.vegaEmbed(el, spec, options).then(function (result) {{ el.humanlikeView = result.view; }})
      .catch(function (err) {{ fail(err); console.error(err); }});
  }}
  if (typeof window.vegaEmbed === "function") {{ render(); }}
  else {{
    window.addEventListener("load", function () {{
      if (typeof window.vegaEmbed === "function") {{ render(); }}
      else {{ fail("This chart needs the page's vega-embed script (open it in the built book)."); }}
    }});
  }}
}})();
</script>"""


def _spec_dict(chart: alt.TopLevelMixin | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(chart, Mapping):
        return dict(chart)
    return chart.to_dict()


def _script_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=False, allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def to_html(chart: alt.TopLevelMixin | Mapping[str, Any], *, div_id: str | None = None) -> str:
    """The HTML fragment that draws ``chart`` with the page's global ``vegaEmbed``.

    Raises ``ValueError`` if the spec (data included) exceeds :data:`MAX_CHART_BYTES`: aggregate first.
    """
    spec = _spec_dict(chart)
    text = _script_json(spec)
    if len(text) > MAX_CHART_BYTES:
        raise ValueError(
            f"chart spec is {len(text) / 1e6:.1f} MB (limit {MAX_CHART_BYTES / 1e6:.1f} MB): "
            "embed aggregated data, not trials"
        )
    if div_id is None:
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        div_id = f"hl-chart-{digest}-{next(_counter)}"
    return _TEMPLATE.format(div_id=html.escape(div_id), spec=text, options=_script_json(EMBED_OPTIONS))


def _mimebundle(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    major = alt.SCHEMA_VERSION.lstrip("v").split(".")[0]
    return {
        "text/html": to_html(spec),
        f"application/vnd.vegalite.v{major}+json": spec,
        "text/plain": "<Altair chart>",
    }


def show(chart: alt.TopLevelMixin) -> None:
    """Display ``chart`` in a notebook as the book renders it (use it for charts that do not end a cell)."""
    from IPython.display import display

    display(_mimebundle(_spec_dict(chart)), raw=True)


def enable() -> None:
    """Register and enable the Altair renderer ``"humanlike"`` (done on import of this module)."""
    alt.renderers.register("humanlike", _mimebundle)
    alt.renderers.enable("humanlike")


enable()


# ---- chapter 3/4 builders
# Chapter 3 (image-level errors) and chapter 4 (texture versus shape). They take the tables of
# humanlike.results (sections "chapter 3" and "chapter 4") and follow the conventions above: data from the top
# level, dropdowns named pick_<column>, legend selection legend_pick, humans first.

#: Colours of the kinds of pairs (``humanlike.results.PAIR_KINDS``): a pair of a human observer and a model takes
#: the colour of the model's training type; pairs of models are black (all) or sky blue (supervised with
#: self-supervised, the paper's comparison).
PAIR_KIND_COLORS: dict[str, str] = {
    "human–human": TRAINING_COLORS["human"],
    "human–supervised": TRAINING_COLORS["supervised"],
    "human–self-supervised": TRAINING_COLORS["self-supervised"],
    "human–weakly-supervised": TRAINING_COLORS["weakly-supervised"],
    "human–unknown": TRAINING_COLORS["unknown"],
    "model–model": "#000000",
    "supervised–self-supervised": "#56B4E9",
}

#: Colours of the answers to a cue-conflict image in :func:`stimulus_gallery` (Okabe-Ito, unused elsewhere).
ANSWER_COLORS: dict[str, str] = {"shape": "#56B4E9", "texture": "#E69F00", "other": "#D9D9D9"}


def _rounded(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """A copy with floats rounded (smaller pages; tooltips format them anyway)."""
    out = frame.copy()
    floats = out.select_dtypes("float").columns
    out[floats] = out[floats].round(digits)
    return out


def _label_colors(names: Sequence[str], training: Mapping[str, str]) -> dict[str, Any]:
    """Axis ``labelColor`` that paints each decision maker's name in the colour of its training type."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(training.get(name, "unknown"), []).append(name)
    conditions = [
        {"test": f"indexof({json.dumps(members)}, datum.value) >= 0", "value": TRAINING_COLORS.get(kind, "#000")}
        for kind, members in groups.items()
    ]
    return {"condition": conditions, "value": "#000000"}


def _colors_for(names: Sequence[str], training: Mapping[str, str]) -> dict[str, str]:
    """Like :func:`model_colors`, for names whose training type is given (e.g. third-party models)."""
    colours: dict[str, str] = {}
    for kind in TRAINING_ORDER:
        members = [n for n in names if training.get(n, "unknown") == kind and n != HUMANS]
        colours.update(zip(members, _shades(TRAINING_COLORS[kind], len(members)) if members else []))
    if HUMANS in names:
        colours[HUMANS] = TRAINING_COLORS["human"]
    return {n: colours.get(n, TRAINING_COLORS["unknown"]) for n in names}


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
            x=alt.X("subject_b:N", sort=order, axis=alt.Axis(labelAngle=-60, **axis)),
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
        sort=alt.EncodingSortField(field="level", op="min"),
        title="condition (undistorted first, strongest distortion last)",
        axis=alt.Axis(labelAngle=0),
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
    chart = alt.layer(band, lines, zero, data=data).properties(width=width, height=height)
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


def shape_bias_chart(table: pd.DataFrame, *, width: int = 300) -> alt.VConcatChart:
    """Shape bias per decision maker with 95 % bootstrap intervals, coloured by training type.

    table: :func:`humanlike.results.shape_bias_table`. One panel per ``panel``: the model-vs-human data (all
    observers pooled as ``humans``, each observer a small open circle on that row; the toolbox's models and a
    user's own) and, below, third-party evaluations, whose marker shape shows their ``source`` (legend; the
    tooltip names the pipeline). Rows sorted by shape bias; dashed line: as many shape as texture decisions.
    """
    data = _rounded(table).assign(
        row=lambda f: f["subject"].where(f["kind"] != "observer", HUMANS),
        training_data=lambda f: f["training_data"].fillna("-"),
    )
    trainings = [t for t in TRAINING_ORDER if t in set(data["training"])]
    sources = list(dict.fromkeys(data["source"]))
    colour = alt.Color(
        "training:N",
        title="training",
        scale=alt.Scale(domain=trainings, range=[TRAINING_COLORS[t] for t in trainings]),
        legend=alt.Legend(orient="bottom", direction="vertical"),
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
        y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
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
        half = alt.Chart().mark_rule(color="#999", strokeDash=[3, 3]).encode(x=alt.datum(0.5))
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
) -> alt.LayerChart:
    """Fraction of shape decisions per category (rows), one point per decision maker, as in the figures of
    Geirhos et al. (2019): humans (all observers pooled, diamonds) against models. A dropdown picks the group of
    models (column ``group``: the model-vs-human data with a user's own models, or one third-party source);
    humans appear in every group, and the legend lists the group shown. ``overall`` (:func:`humanlike.results.shape_bias_table`) adds each decision
    maker's overall shape bias as a vertical line. Click a legend entry to highlight a decision maker
    (shift-click for several).
    """
    from .data import CATEGORIES

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
        return (TRAINING_ORDER.index(kind) if kind in TRAINING_ORDER else len(TRAINING_ORDER), name != HUMANS, _natural(name))

    # The colour scale follows the dropdown: each group's names (humans first) and their colours.
    domains, ranges = {}, {}
    for source in sources:
        names = sorted(set(frame.loc[frame["group"] == source, "subject"]), key=rank)
        colours = _colors_for(names, training)
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


def _thumbnail(path: Any, size: int) -> str:
    """A data: URI of a small JPEG of the image at ``path``."""
    import base64
    import io

    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((size, size))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=82)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def stimulus_gallery(examples: pd.DataFrame, *, size: int = 112, fetch: Any = None) -> Any:
    """Cue-conflict stimuli with every decision maker's answer, as an HTML table (``IPython.display.HTML``).

    examples: :func:`humanlike.results.cue_conflict_examples` (one row per image and decision maker, with the
    stimulus ``path``). Images are embedded as small JPEG thumbnails (``size`` pixels), fetched with ``fetch``
    (default :func:`humanlike.data.fetch`: the mirror or the download cache); an image that cannot be fetched is
    shown as a note. Columns: images; rows: all human observers (counts of shape / texture / other answers), then
    each model's answer, coloured by whether it names the shape (blue) or the texture (orange) category.
    """
    from IPython.display import HTML

    from .errors import DataFileError

    if fetch is None:
        from .data import fetch
    images = examples.drop_duplicates("image_id")[["image_id", "path", "shape", "texture"]]
    models = decision_maker_order(examples.loc[~examples["is_human"].astype(bool), "subject"].astype(str))
    answers = examples.set_index(["image_id", "subject"])

    def pill(text: str, answer: str) -> str:
        return (f"<span style='background:{ANSWER_COLORS[answer]};border-radius:3px;padding:0 4px;"
                f"white-space:nowrap'>{html.escape(text)}</span>")  # fmt: skip

    pad = "padding:2px 6px;border-bottom:1px solid #eee;"
    cell = f"style='{pad}text-align:center'"
    name_cell = f"style='{pad}text-align:left;font-weight:normal'"
    head = ["<th></th>"]
    for row in images.itertuples():
        try:
            src = _thumbnail(fetch(row.path), size)
            img = f"<img src='{src}' width='{size}' alt='{html.escape(row.image_id)}'>"
        except (DataFileError, OSError) as error:
            img = f"<em>image not available ({html.escape(type(error).__name__)})</em>"
        head.append(
            f"<th style='{pad}text-align:center;vertical-align:top'>{img}<br><span style='font-weight:normal'>shape <b>{html.escape(row.shape)}</b><br>"
            f"texture <b>{html.escape(row.texture)}</b></span></th>"
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
        line = [f"<th {name_cell}>{html.escape(model)}</th>"]
        for image in images["image_id"]:
            if (image, model) in answers.index:
                found = answers.loc[(image, model)]
                line.append(f"<td {cell}>{pill(str(found['response']), str(found['answer']))}</td>")
            else:
                line.append(f"<td {cell}>–</td>")
        body.append("<tr>" + "".join(line) + "</tr>")
    legend = " ".join(pill(f"{a} category", a) for a in ("shape", "texture")) + " " + pill("another answer", "other")
    return HTML(
        "<div style='overflow-x:auto'><table style='border-collapse:collapse;font-size:0.85em'>"
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<p style='font-size:0.85em'>{legend}</p></div>"
    )


# ---- chapter 1/2 builders
# Chapter 1 (noise robustness): accuracy over distortion levels. Chapter 2 (category-level errors): confusion
# matrices with a dataset and a decision-maker dropdown, and confusion similarity against the human ceiling.


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
    x, order:  the tick label of a condition and the column that orders them (ordinal axis sorted by ``order``
               within the dataset shown, so that each dataset keeps its own labels and direction).
    lower/upper: an interval; drawn as a band for ``band_for`` (e.g. the range over human observers) always,
               and for other decision makers only while they are selected in the legend (click; shift-click).
    parameter: a column naming what the level measures; shown above the plot for the dataset picked.
    reference: a dashed horizontal line (e.g. chance, 1/16).
    """
    x_enc = alt.X(
        f"{x}:O", sort=alt.EncodingSortField(field=order, op="min"), title=x_title, axis=alt.Axis(labelAngle=0)
    )
    y_scale = alt.Scale(domain=list(y_domain)) if y_domain else alt.Undefined
    col = color_encoding(color, data[color], by="model", title="decision maker")
    pick = alt.selection_point(fields=[color], bind="legend", name="legend_pick")
    tips = _value_tooltip([(color, "N", None), (x, "O", None)], y, lower, upper, tooltip)
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
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 4], color="#555").encode(y=alt.datum(reference)))
    if parameter:
        layers.append(
            alt.Chart()
            .transform_aggregate(groupby=[parameter], n="count()")
            .mark_text(align="left", baseline="bottom", dy=-6, fontStyle="italic", color="#333")
            .encode(x=alt.value(0), y=alt.value(0), text=f"{parameter}:N")
        )
    chart = alt.layer(*layers, data=data).properties(width=width, height=height)
    if dropdown:
        chart = with_dropdown(chart, data, dropdown, options=dropdown_options, value=dropdown_value)
    return chart


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
    n_cols = len(columns)
    row_expr = f"{json.dumps(rows)}[floor((datum.cell - 1) / {n_cols})]"
    col_expr = f"{json.dumps(columns)}[(datum.cell - 1) % {n_cols}]"
    flat = ["v", "c"] if count else ["v"]
    tips = _tooltip([(subject, "N", None), (column, "N", None), (row, "N", None), ("v", "Q", ".3f")])
    tips[-1] = alt.Tooltip("v:Q", title=value_title, format=".3f")
    if count:
        tips.append(alt.Tooltip("c:Q", title="answers"))
    rect = (
        alt.Chart()
        .mark_rect()
        .encode(
            x=alt.X(f"{column}:N", sort=columns, title=x_title, axis=alt.Axis(labelAngle=-45)),
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
        .properties(width=width, height=height)
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
    import math

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
        .mark_rule(color="#555", strokeDash=[4, 4])
        .encode(x=alt.X(f"{value}:Q", scale=scale, title=x_title))
        .transform_filter(is_ceiling)
    )
    offset = alt.YOffset(f"{comparison}:N", sort=kinds)
    whisker = (
        alt.Chart()
        .mark_rule(color="#333")
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


# ---- chapter 5 builders ---------------------------------------------------------------------------------------
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
