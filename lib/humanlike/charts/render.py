"""Rendering for the static book: a chart becomes a ``<div>`` plus a small ``<script>`` that calls the page's
global ``vegaEmbed`` with the spec inline (:func:`to_html`). Importing :mod:`humanlike.charts` registers and
enables the Altair renderer ``"humanlike"`` (:func:`enable`), so a chart that ends a notebook cell renders the
same way; :func:`show` displays a chart from anywhere in a cell, :func:`figure` with a numbered caption.

On the page (the script of :data:`_TEMPLATE`):

* **theme**: the chart follows pydata-sphinx-theme's ``html[data-theme]``: Vega's ``dark`` theme on the page's
  own background in dark mode, and it is drawn again when the reader switches the theme;
* **width**: a chart is drawn at its designed width; when that is wider than its container (a phone, a narrow
  window), it is drawn again to fit: single and layered views take the container's width (``width: "container"``,
  ``autosize: fit-x``) and concatenated panels shrink, with legends below the plot. Dropdown choices survive
  every redraw.

**Data to take away**: when the environment variable ``HUMANLIKE_CHART_DATA`` names a folder (set by
``tools/build_book.py`` while it executes a chapter, with ``HUMANLIKE_CHAPTER`` the chapter's file stem), every
chart's tidy rows (:func:`chart_table`) are written there as ``<chapter>-chart-<k>.csv`` (k counts the charts
of the notebook, so names are stable between builds; atomic write), and the chart gets a "Download data (CSV)"
link to ``data/<file>`` (the build copies the folder next to the chapter's page). Without it, nothing is written
and no link is shown (e.g. in JupyterLab).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import itertools
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from ..files import atomic_write
from ..text import html_text

__all__ = [
    "MAX_CHART_BYTES",
    "PACK_CHART_BYTES",
    "EMBED_OPTIONS",
    "DATA_DIR_ENV",
    "CHAPTER_ENV",
    "chart_table",
    "to_html",
    "show",
    "figure",
    "Figure",
    "enable",
]

#: Largest spec (JSON bytes, data included) that :func:`to_html` accepts; keeps each page small.
MAX_CHART_BYTES = 1_500_000
#: Specs larger than this (JSON bytes) carry their data (``datasets``) gzipped and base64-encoded (about a fifth of
#: the size); the page inflates them with the browser's ``DecompressionStream``. Smaller ones are plain JSON.
PACK_CHART_BYTES = 20_000
#: vega-embed options: export buttons only (no editor link, which would point to another site).
EMBED_OPTIONS: dict[str, Any] = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}
#: Folder for the charts' CSV files (set by the book build; unset: no files, no download links).
DATA_DIR_ENV = "HUMANLIKE_CHART_DATA"
#: The executed notebook's file stem (e.g. ``01_noise_robustness``): prefix of the CSV names and, by its leading
#: number, the chapter number of the figures (Figure 1.1, 1.2, ...).
CHAPTER_ENV = "HUMANLIKE_CHAPTER"
#: Where the page finds the CSV files, relative to the chapter's page.
DATA_HREF = "data"

_counter = itertools.count(1)
_chart_numbers = itertools.count(1)  # charts of this notebook (kernel): names of their CSV files
_figure_numbers = itertools.count(1)  # figures of this notebook: "Figure <chapter>.<n>"

_TEMPLATE = """<div id="{div_id}" class="humanlike-chart" data-humanlike-chart="1"{data_attr}></div>
<script type="text/javascript">
(function () {{
  var spec = {spec};
  var packed = {packed};
  var options = {options};
  var el = document.getElementById("{div_id}");
  var view = null, drawnWidth = -1, drawnTheme = null, busy = false, pending = false, fitted = null;
  el.humanlikeSpec = spec;
  function unpack() {{
    // a large spec's data travel gzipped (base64): the browser inflates them (DecompressionStream) before the first
    // drawing
    if (!packed) {{ return Promise.resolve(); }}
    var bytes = Uint8Array.from(atob(packed), function (c) {{ return c.charCodeAt(0); }});
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (text) {{ spec.datasets = JSON.parse(text); }});
  }}
  function fail(message) {{
    el.setAttribute("data-error", String(message));
    el.innerHTML = '<p class="humanlike-chart-error"></p>';
    el.firstChild.textContent = String(message);
  }}
  function theme() {{ return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "light"; }}
  function copy(x) {{ return JSON.parse(JSON.stringify(x)); }}
  function keepChoices(s) {{
    // the reader's dropdown choices (bound parameters) become the initial values of the redrawn chart
    if (!view) {{ return; }}
    (s.params || []).forEach(function (p) {{
      if (p.bind && p.bind !== "legend" && !p.select) {{ try {{ p.value = view.signal(p.name); }} catch (e) {{}} }}
    }});
  }}
  function widthOf(p) {{ return typeof p.width === "number" ? p.width : 0; }}
  function shrink(s, by) {{
    // concatenated panels, narrower by the overflow: a row of panels shares it in proportion to their widths,
    // or, where that would leave a panel under 100 px, becomes a column (e.g. confusion matrices side by side)
    if (s.hconcat) {{
      var total = s.hconcat.reduce(function (a, p) {{ return a + widthOf(p); }}, 0) || 1;
      var tooSmall = s.hconcat.some(function (p) {{
        return widthOf(p) >= 100 && widthOf(p) - by * widthOf(p) / total < 100;
      }});
      if (tooSmall) {{ s.vconcat = s.hconcat; delete s.hconcat; return; }}
      s.hconcat.forEach(function (p) {{ shrink(p, by * widthOf(p) / total); }});
    }}
    ["vconcat", "concat"].forEach(function (k) {{ (s[k] || []).forEach(function (p) {{ shrink(p, by); }}); }});
    if (typeof s.width === "number") {{ s.width = Math.max(Math.min(s.width, 80), Math.floor(s.width - by)); }}
  }}
  function clampLabels(node, most) {{
    // long names (axis and legend labels) are cut to a share of the width (the tooltip keeps them whole)
    if (Array.isArray(node)) {{ node.forEach(function (n) {{ clampLabels(n, most); }}); return; }}
    if (!node || typeof node !== "object") {{ return; }}
    Object.keys(node).forEach(function (k) {{
      if (k === "labelLimit" && typeof node[k] === "number") {{ node[k] = Math.min(node[k], most); }}
      else if (k !== "datasets" && k !== "data") {{ clampLabels(node[k], most); }}
    }});
  }}
  function legendsBelow(s) {{
    s.config = s.config || {{}};
    // below the plot, one legend under the other (not side by side, which would widen the chart again)
    s.config.legend = Object.assign({{}}, s.config.legend, {{orient: "bottom", direction: "vertical",
      layout: {{bottom: {{anchor: "start", direction: "vertical"}}}}}});
  }}
  // Contrast: every colour given to a mark, a legend symbol or an axis label is made to stand out from the page's
  // background by at least MIN_CONTRAST (WCAG contrast ratio), darker on light pages and lighter on dark ones, its
  // hue kept. Text marks keep theirs (cell labels are drawn on their cells, not on the page).
  var MIN_CONTRAST = 3.1, COLOUR_KEYS = {{color: 1, fill: 1, stroke: 1, labelColor: 1}};
  var NAMED = {{black: "#000000", white: "#ffffff", gray: "#808080", grey: "#808080"}};
  function rgbOf(c) {{
    if (typeof c !== "string") {{ return null; }}
    c = NAMED[c.toLowerCase()] || c;
    var m = /^#([0-9a-f]{{3}}|[0-9a-f]{{6}})$/i.exec(c.trim());
    if (m) {{
      var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
      return [0, 2, 4].map(function (i) {{ return parseInt(h.substr(i, 2), 16); }});
    }}
    m = /^rgba?\\(([\\d.]+),\\s*([\\d.]+),\\s*([\\d.]+)/.exec(c);
    return m ? [+m[1], +m[2], +m[3]] : null;
  }}
  function luminance(rgb) {{
    var l = rgb.map(function (v) {{ v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }});
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  }}
  function contrast(a, b) {{
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }}
  function hex(rgb) {{ return "#" + rgb.map(function (v) {{ return ("0" + Math.round(v).toString(16)).slice(-2); }}).join(""); }}
  function readable(colour, bg) {{
    var rgb = rgbOf(colour);
    if (!rgb || contrast(rgb, bg) >= MIN_CONTRAST) {{ return colour; }}
    var target = luminance(bg) > 0.18 ? [0, 0, 0] : [255, 255, 255];
    for (var t = 0.05; t <= 1.0001; t += 0.05) {{  // mix towards black (light page) or white (dark page)
      var mixed = rgb.map(function (v, i) {{ return v + (target[i] - v) * t; }});
      if (contrast(mixed, bg) >= MIN_CONTRAST) {{ return hex(mixed); }}
    }}
    return hex(target);
  }}
  function readableColours(node, bg, inColour) {{
    if (Array.isArray(node)) {{
      return node.map(function (n) {{ return readableColours(n, bg, inColour); }});
    }}
    if (typeof node === "string") {{
      if (!inColour) {{ return node; }}
      if (rgbOf(node)) {{ return readable(node, bg); }}
      // an expression (e.g. a colour range that follows a dropdown): each colour literal in it
      return node.replace(/#[0-9a-fA-F]{{6}}\b/g, function (c) {{ return readable(c, bg); }});
    }}
    if (!node || typeof node !== "object") {{ return node; }}
    var mark = node.mark && (node.mark.type || node.mark);
    if (mark === "text") {{ return node; }}
    Object.keys(node).forEach(function (k) {{
      if (k === "data" || k === "datasets" || k === "scheme") {{ return; }}
      node[k] = readableColours(node[k], bg, inColour || COLOUR_KEYS.hasOwnProperty(k));
    }});
    return node;
  }}
  function pageBackground() {{
    var bg = getComputedStyle(document.documentElement).getPropertyValue("--pst-color-background").trim();
    return bg || (theme() === "dark" ? "#14181e" : "#ffffff");
  }}
  function build(fit) {{
    var s = copy(spec);
    keepChoices(s);
    var o = copy(options);
    var bg = pageBackground(), dark = theme() === "dark";
    var ink = dark ? "#dddddd" : "#222222", base = dark ? "#b8b8b8" : "#5a5a5a";
    // marks and legend symbols without a colour of their own (e.g. a legend of shapes) take a grey of the theme
    o.config = {{legend: {{symbolBaseStrokeColor: base, symbolBaseFillColor: base}}, view: {{stroke: dark ? "#555" : "#ddd"}}}};
    if (dark) {{
      o.theme = "dark";
      o.tooltip = {{theme: "dark"}};
      Object.assign(o.config, {{background: bg, rule: {{color: "#cfcfcf"}}, text: {{color: ink}}}});
    }}
    var rgbBg = rgbOf(bg);
    if (rgbBg) {{ s = readableColours(s, rgbBg, false); }}
    if (fit > 0) {{
      legendsBelow(s);
      var most = Math.max(90, Math.floor(el.clientWidth * 0.4));
      clampLabels(s, most);
      s.config.axis = Object.assign({{labelLimit: most, titleLimit: Math.max(120, el.clientWidth - 70)}}, s.config.axis);
      s.config.legend.labelLimit = Math.min(s.config.legend.labelLimit || most, most);
      // free text (captions, labels on points) is cut with an ellipsis rather than run past the container
      s.config.text = Object.assign({{limit: Math.max(90, el.clientWidth - 150)}}, s.config.text);
      // concatenated panels shrink afterwards, by what still sticks out once the legends are below (render)
      if (!(s.vconcat || s.hconcat || s.concat)) {{ s.width = "container"; s.autosize = {{type: "fit-x", contains: "padding"}}; }}
    }}
    return [s, o];
  }}
  function overflow() {{
    var svg = el.querySelector("svg.marks, canvas.marks, svg, canvas");
    return svg ? Math.ceil(svg.getBoundingClientRect().width - el.clientWidth) : 0;
  }}
  function draw(fit) {{
    var so = build(fit);
    fitted = fit > 0 ? so : null;
    if (fit > 0 && !(so[0].vconcat || so[0].hconcat || so[0].concat)) {{ el.classList.add("humanlike-fit"); }}
    else {{ el.classList.remove("humanlike-fit"); }}
    return embed(so[0], so[1]);
  }}
  function embed(spec, options) {{
    if (view) {{ view.finalize(); view = null; }}  // the old view's listeners and timers go first
    return window.vegaEmbed(el, spec, options).then(function (result) {{
      view = result.view; el.humanlikeView = view;
    }});
  }}
  function render() {{
    if (busy) {{ pending = true; return; }}  // drawn again when the current drawing is done
    busy = true; pending = false;
    drawnWidth = el.clientWidth; drawnTheme = theme();
    el.setAttribute("data-theme", drawnTheme);
    el.setAttribute("data-drawn", "0");
    draw(0).then(function () {{
      var extra = overflow();
      if (extra <= 1) {{ return; }}
      function narrower() {{  // concatenated panels: shrink by what still sticks out (twice at most)
        var left = overflow();
        if (left > 1 && fitted && (fitted[0].vconcat || fitted[0].hconcat || fitted[0].concat)) {{
          keepChoices(fitted[0]);
          shrink(fitted[0], left + 4);
          return embed(fitted[0], fitted[1]);
        }}
      }}
      return draw(1).then(narrower).then(narrower);
    }}).then(function () {{
      busy = false; el.setAttribute("data-drawn", "1");
      if (pending) {{ render(); }}
    }})
      .catch(function (err) {{ busy = false; fail(err); console.error(err); }});
  }}
  function start() {{
    unpack().then(function () {{
      render();  // redrawn when the width or the theme changes, once the spec is there
      var timer = null;
      window.addEventListener("resize", function () {{
        clearTimeout(timer);
        timer = setTimeout(function () {{ if (el.clientWidth !== drawnWidth) {{ render(); }} }}, 200);
      }});
      new MutationObserver(function () {{ if (theme() !== drawnTheme) {{ render(); }} }})
        .observe(document.documentElement, {{attributes: true, attributeFilter: ["data-theme"]}});
    }}).catch(function (err) {{ fail(err); console.error(err); }});
  }}
  if (typeof window.vegaEmbed === "function") {{ start(); }}
  else {{
    window.addEventListener("load", function () {{
      if (typeof window.vegaEmbed === "function") {{ start(); }}
      else {{ fail("This chart needs the page's vega-embed script (open it in the built book)."); }}
    }});
  }}
}})();
</script>{download}"""


def _spec_dict(chart: alt.TopLevelMixin | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(chart, Mapping):
        return dict(chart)
    return chart.to_dict()


def _script_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=False, allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _datasets(spec: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    """The inline data of a spec (top level and every sub-view), in order of appearance, each once."""
    named = spec.get("datasets", {})
    found: dict[str, list[dict[str, Any]]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            data = node.get("data")
            if isinstance(data, Mapping):
                if "name" in data and data["name"] in named:
                    found.setdefault(data["name"], named[data["name"]])
                elif isinstance(data.get("values"), list):
                    found.setdefault(f"values-{len(found)}", data["values"])
            for key, value in node.items():
                if key not in ("data", "datasets"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return list(found.values())


def _unpack_grid(records: list[dict[str, Any]], grid: Mapping[str, Any]) -> pd.DataFrame:
    """Packed matrices (one record per key holding row-major arrays) as tidy rows; empty cells left out."""
    cells = [(r, c) for r in grid["rows"] for c in grid["columns"]]
    rows = []
    for record in records:
        arrays = {name: record.get(short) or [None] * len(cells) for short, name in grid["fields"].items()}
        values = arrays[grid["fields"]["v"]]
        for i, (r, c) in enumerate(cells):
            if values[i] is None:
                continue
            row = {key: record.get(key) for key in grid["keys"]}
            row.update({grid["column"]: c, grid["row"]: r})
            row.update({name: array[i] for name, array in arrays.items()})
            rows.append(row)
    columns = [*grid["keys"], grid["column"], grid["row"], *grid["fields"].values()]
    return pd.DataFrame(rows, columns=columns)


def chart_table(chart: alt.TopLevelMixin | Mapping[str, Any]) -> pd.DataFrame:
    """The tidy rows a chart draws: its inline data (all datasets of the spec stacked, duplicates dropped), or, for
    a chart that embeds packed matrices (``usermeta.humanlike.grid``, e.g. :func:`confusion_heatmap`), the
    unpacked cells."""
    spec = _spec_dict(chart)
    sets = _datasets(spec)
    grid = (spec.get("usermeta") or {}).get("humanlike", {}).get("grid")
    if grid and sets:
        return _unpack_grid(sets[0], grid)
    # Layers without data of their own (a reference line) hold Altair's placeholder [{}]: not rows of the chart.
    frames = [pd.DataFrame.from_records(values) for values in sets if any(values)]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True, sort=False)
    hashable = table.map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else v)
    return table[~hashable.duplicated()].reset_index(drop=True)


def _chapter() -> str:
    stem = os.environ.get(CHAPTER_ENV, "").strip()
    return re.sub(r"[^A-Za-z0-9_.-]", "_", stem) or "chart"


def _download(spec: Mapping[str, Any]) -> str:
    """Write the chart's CSV when the build asks for it (:data:`DATA_DIR_ENV`); the link to it, else ""."""
    folder = os.environ.get(DATA_DIR_ENV)
    if not folder:
        return ""
    name = f"{_chapter()}-chart-{next(_chart_numbers)}.csv"
    table = chart_table(spec)
    if table.empty:
        return ""
    # atomic: a reader never sees half a file, and a failed build leaves none
    atomic_write(Path(folder) / name, lambda tmp: table.to_csv(tmp, index=False))
    href = f"{DATA_HREF}/{name}"
    return (
        f'\n<p class="humanlike-download"><a href="{html_text(href)}" download="{html_text(name)}" '
        f'type="text/csv">Download data (CSV)</a> <span class="humanlike-download-size">'
        f"({len(table):,} rows)</span></p>"
    )


def to_html(chart: alt.TopLevelMixin | Mapping[str, Any], *, div_id: str | None = None) -> str:
    """The HTML fragment that draws ``chart`` with the page's global ``vegaEmbed`` (followed by its "Download data
    (CSV)" link when the book build asks for the data, see :data:`DATA_DIR_ENV`).

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
    download = _download(spec)
    packed = "null"
    if len(text) > PACK_CHART_BYTES and spec.get("datasets"):
        # the data (the bulk) gzipped, the rest stays readable; mtime=0: the same chart gives the same bytes
        data = json.dumps(spec["datasets"], separators=(",", ":"), allow_nan=False, default=str).encode()
        packed = json.dumps(base64.b64encode(gzip.compress(data, compresslevel=9, mtime=0)).decode())
        text = _script_json({**spec, "datasets": {}})
    data_attr = ""
    if download:
        href = re.search(r'href="([^"]+)"', download)[1]
        data_attr = f' data-csv="{href}"'
    return _TEMPLATE.format(
        div_id=html_text(div_id), spec=text, packed=packed, options=_script_json(EMBED_OPTIONS), download=download,
        data_attr=data_attr,
    )


class Figure:
    """A chart with a numbered caption (:func:`figure`); displays as ``<figure>`` in the book."""

    def __init__(self, chart: alt.TopLevelMixin | Mapping[str, Any], caption: str, number: str) -> None:
        self.spec = _spec_dict(chart)
        self.caption = caption
        self.number = number

    @property
    def anchor(self) -> str:
        return "figure-" + re.sub(r"[^0-9A-Za-z]+", "-", self.number).strip("-")

    def to_html(self) -> str:
        return (
            f'<figure class="humanlike-figure" id="{html_text(self.anchor)}">\n{to_html(self.spec)}\n'
            f'<figcaption><span class="humanlike-figure-number">Figure {html_text(self.number)}.</span> '
            f"{html_text(self.caption)}</figcaption>\n</figure>"
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = _mimebundle(self.spec, html=self.to_html())
        bundle["text/plain"] = f"<Figure {self.number}: {self.caption}>"
        return bundle


def figure(chart: alt.TopLevelMixin | Mapping[str, Any], caption: str, *, number: str | None = None) -> Figure:
    """``chart`` with a numbered caption, for the end of a notebook cell: "Figure <chapter>.<n>. <caption>".

    caption: what is shown, and what the whiskers or bands mean (plain text; escaped).
    number:  default: the chapter's number (from :data:`CHAPTER_ENV`, e.g. ``01_noise_robustness`` -> 1, the
             introduction 0) and the count of figures in this notebook so far ("1.2"); outside a book build (no
             chapter) just the count.
    The figure's anchor is ``figure-<chapter>-<n>`` (e.g. ``#figure-1-2``).
    """
    if number is None:
        count = next(_figure_numbers)
        match = re.match(r"(\d+)_", _chapter())
        number = f"{int(match[1])}.{count}" if match else str(count)
    return Figure(chart, caption, str(number))


def _mimebundle(spec: dict[str, Any], html: str | None = None, **_: Any) -> dict[str, Any]:
    """The chart for a notebook: ``text/html`` for the book, Vega-Lite JSON for JupyterLab."""
    major = alt.SCHEMA_VERSION.lstrip("v").split(".")[0]
    return {
        "text/html": to_html(spec) if html is None else html,
        f"application/vnd.vegalite.v{major}+json": spec,
        "text/plain": "<Altair chart>",
    }


def show(chart: alt.TopLevelMixin) -> None:
    """Display ``chart`` in a notebook as the book renders it (use it for charts that do not end a cell)."""
    from IPython.display import display

    display(_mimebundle(_spec_dict(chart)), raw=True)


def enable() -> None:
    """Register and enable the Altair renderer ``"humanlike"`` (done on import of :mod:`humanlike.charts`)."""
    alt.renderers.register("humanlike", _mimebundle)
    alt.renderers.enable("humanlike")

