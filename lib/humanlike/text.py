"""Text for a reader, escaped for where it goes: a chapter's Markdown or HTML, or the terminal.

Names in the data (models, datasets, file names) come from files and parameters that users control. They are
checked where they enter (:mod:`humanlike.params`, :mod:`humanlike.data`), and escaped again here wherever a
chapter writes them into a page (defence in depth): a name like ``<img src=x onerror=alert(1)>`` shows as that
text and never becomes markup.

* :func:`html_text` for HTML (``html.escape``, quotes included);
* :func:`escape_markdown` for Markdown (HTML-escaped first, then Markdown's punctuation backslash-escaped);
* :func:`md` fills a Markdown template with escaped values; :func:`markdown` wraps it for display;
* :func:`terminal_text` for the terminal (control characters shown as escapes, long text cut), used by the one
  writer of humanlike's lines on stderr, :func:`say` (:func:`warn`, :func:`note`, :func:`error`).
"""

from __future__ import annotations

import html
import re
import string
import sys
from typing import Any

__all__ = ["html_text", "escape_markdown", "md", "markdown", "show_note", "terminal_text", "say", "warn", "note", "error"]

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


def show_note(note: str) -> None:
    """Display ``note`` (trusted Markdown, e.g. made with :func:`md`) in a notebook; nothing when it is empty."""
    if note:
        from IPython.display import Markdown, display

        display(Markdown(note))


# --------------------------------------------------------------------------------------------- the terminal
#: The longest line humanlike writes to the terminal; longer text (a 200,000-character CSV field) is cut.
MAX_LINE = 400
# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: none may reach a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def terminal_text(value: Any, limit: int = MAX_LINE) -> str:
    r"""``value`` as one line that cannot move a terminal's cursor or start a new line: control characters are
    shown as Python escapes (``\n``, ``\x1b``), and text longer than ``limit`` characters is cut with ``...``.

    >>> print(terminal_text("notes\nhumanlike: error: forged\x1b[2J"))
    notes\nhumanlike: error: forged\x1b[2J
    >>> terminal_text("x" * 20, limit=10)
    'xxxxxxx...'
    """
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(value))
    return text if len(text) <= limit else text[: max(0, limit - 3)] + "..."


def say(kind: str, message: Any) -> None:
    """One line on stderr, ``humanlike: <kind>: <message>``, the message made safe by :func:`terminal_text`.
    A closed or broken stderr is not an error of its own."""
    try:
        print(f"humanlike: {kind}: {terminal_text(message)}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):  # closed, broken or missing stream
        pass


def warn(message: Any) -> None:
    """``humanlike: warning: ...``: something the user should know, not an error."""
    say("warning", message)


def note(message: Any) -> None:
    """``humanlike: note: ...``."""
    say("note", message)


def error(message: Any) -> None:
    """``humanlike: error: ...`` (the caller sets the exit code)."""
    say("error", message)
