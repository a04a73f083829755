"""Markdown that notebooks display: data values in it are HTML-escaped.

nbconvert renders Markdown outputs as HTML and passes raw HTML through, so any sentence quoting a
data value (a segment name, a complaint category, a phrase customers typed) must be escaped before
it is shown, or a value such as ``<img onerror=…>`` would run in the report.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def escape(value) -> str:
    """``value`` as text safe to place in Markdown rendered to HTML."""
    return html.escape(str(value), quote=False)


def markdown_list(items: Iterable) -> str:
    """A Markdown bullet list of sentences, each HTML-escaped; empty items are left out."""
    return "\n".join(f"- {escape(item)}" for item in items if item)
