"""Generated test code as highlighted HTML, by Pygments, for the review page."""

from __future__ import annotations

from functools import cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

# The class the page's stylesheet scopes the token colours under.
CSS_CLASS = "highlight"
# Pygments' default style: its comment and string colours keep a 4.5:1 contrast on its background.
STYLE = "default"


@cache
def _formatter() -> HtmlFormatter:
    # `wrapcode` puts the code in <pre><code>, which is what screen readers announce as code.
    return HtmlFormatter(cssclass=CSS_CLASS, style=STYLE, wrapcode=True)


def highlight_python(code: str) -> str:
    """The code as a `<div class="highlight">` block; every character of the input is escaped."""
    return highlight(code, PythonLexer(), _formatter())


def stylesheet() -> str:
    """The token colours for blocks made by `highlight_python`."""
    return _formatter().get_style_defs(f".{CSS_CLASS}")
