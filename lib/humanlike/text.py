"""Text that chapters place into Markdown or HTML, escaped.

Names in the data (models, datasets, file names) come from files and parameters that users control. They are
checked where they enter (:mod:`humanlike.params`, :mod:`humanlike.data`), and escaped again here wherever a
chapter writes them into a page (defence in depth): a name like ``<img src=x onerror=alert(1)>`` shows as that
text and never becomes markup.

* :func:`html_text` for HTML (``html.escape``, quotes included);
* :func:`escape_markdown` for Markdown (HTML-escaped first, then Markdown's punctuation backslash-escaped);
* :func:`md` fills a Markdown template with escaped values; :func:`markdown` wraps it for display.
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

__all__ = ["html_text", "escape_markdown", "md", "markdown"]

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones with a meaning in Markdown or
# MyST (emphasis, code, links, roles {..}, math $, tables |, headings #, lists + - and numbered "1.", targets).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$:>^=])")


def html_text(value: Any) -> str:
    """``value`` as text that is safe inside HTML elements and quoted attributes.

    >>> html_text('<b class="x">Tom & Jerry\\'s</b>')
    '&lt;b class=&quot;x&quot;&gt;Tom &amp; Jerry&#x27;s&lt;/b&gt;'
    """
    return html.escape(str(value), quote=True)


def escape_markdown(value: Any) -> str:
    r"""``value`` as Markdown that renders as exactly this text: ``<``, ``>``, ``&`` and quotes become HTML
    entities (so no markup survives), then Markdown punctuation is backslash-escaped.

    >>> print(escape_markdown("<b>x</b>"))
    &lt;b&gt;x&lt;/b&gt;
    >>> print(escape_markdown("swag-vit_b16 *new*"))
    swag\-vit\_b16 \*new\*
    """
    escaped = html.escape(str(value), quote=True)
    # Escape punctuation outside the entities just made (&lt; &amp; &quot; &#x27;), whose & and ; must stay.
    parts = re.split(r"(&(?:[a-z]+|#x?[0-9a-fA-F]+);)", escaped)
    return "".join(part if i % 2 else _MARKDOWN_SPECIAL.sub(r"\\\1", part) for i, part in enumerate(parts))


class _Escaping(string.Formatter):
    """str.format that escapes every field whose value is text (numbers keep their format specs)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, str):
            return escape_markdown(format(value, format_spec))
        return super().format_field(value, format_spec)


def md(template: str, *args: Any, **values: Any) -> str:
    """Fill a Markdown ``template`` (``str.format`` syntax) with ``values``, every text value escaped with
    :func:`escape_markdown`; the template itself is trusted Markdown.

    >>> md("**{name}** reaches {value:.0%}", name="a<b", value=0.5)
    '**a&lt;b** reaches 50%'
    """
    return _Escaping().format(template, *args, **values)


def markdown(template: str, *args: Any, **values: Any):
    """:func:`md` as an ``IPython.display.Markdown`` object (the last expression of a cell is displayed)."""
    from IPython.display import Markdown

    return Markdown(md(template, *args, **values))
