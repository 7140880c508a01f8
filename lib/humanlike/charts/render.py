"""Rendering for the static book: a chart becomes a ``<div>`` plus a small ``<script>`` that calls the page's
global ``vegaEmbed`` with the spec inline (:func:`to_html`). Importing :mod:`humanlike.charts` registers and
enables the Altair renderer ``"humanlike"`` (:func:`enable`), so a chart that ends a notebook cell renders the
same way; :func:`show` displays a chart from anywhere in a cell.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping
from typing import Any

import altair as alt

from ..text import html_text

__all__ = ["MAX_CHART_BYTES", "EMBED_OPTIONS", "to_html", "show", "enable"]

#: Largest spec (JSON bytes, data included) that :func:`to_html` accepts; keeps each page small.
MAX_CHART_BYTES = 1_500_000
#: vega-embed options: export buttons only (no editor link, which would point to another site).
EMBED_OPTIONS: dict[str, Any] = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}

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
    return _TEMPLATE.format(div_id=html_text(div_id), spec=text, options=_script_json(EMBED_OPTIONS))


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
    """Register and enable the Altair renderer ``"humanlike"`` (done on import of :mod:`humanlike.charts`)."""
    alt.renderers.register("humanlike", _mimebundle)
    alt.renderers.enable("humanlike")

