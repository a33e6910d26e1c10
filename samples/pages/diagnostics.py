"""Pages that misbehave on purpose, for reconnaissance's error handling: they are not suite targets."""

from __future__ import annotations

from samples.pages.layout import document

# the server holds this path open until it shuts down, so whatever waits on it never completes
HANG_PATH = "/hang"


def render_index() -> str:
    """A start page linking to the sample pages."""
    body = """<main>
<h1>Sample pages</h1>
<nav aria-label="Samples"><ul>
  <li><a href="/login">Login</a></li>
  <li><a href="/todo">To-do list</a></li>
  <li><a href="/search">Product search</a></li>
  <li><a href="/shop">Swag Labs shop</a></li>
</ul></nav>
</main>"""
    return document("Sample pages", body)


def render_never_settles() -> str:
    """A page whose load event never fires: an image that never finishes downloading."""
    body = f'<main><h1>Still loading</h1><img src="{HANG_PATH}" alt="never arrives"></main>'
    return document("Never settles", body)


def render_long_poll() -> str:
    """A page that loads but keeps a request open forever, so the network never goes idle."""
    body = "<main><h1>Live updates</h1><p>Waiting for news…</p></main>"
    script = f'window.addEventListener("load", () => {{ fetch("{HANG_PATH}").catch(() => {{}}); }});'
    return document("Long poll", body, script=script)


def render_noisy() -> str:
    """A page that logs a console error and asks for a script that does not exist."""
    body = "<main><h1>Noisy page</h1><p>Something went wrong behind the scenes.</p></main>\n"
    body += '<script src="/missing.js"></script>'
    script = 'console.error("Widget failed to initialise");'
    return document("Noisy page", body, script=script)
