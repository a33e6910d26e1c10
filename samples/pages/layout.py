"""The HTML shell shared by the sample pages: no external resources, so pages load offline and fast."""

from __future__ import annotations

import json
from html import escape

BASE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 40rem; color: #1f2937; }
label { display: block; margin-top: .75rem; }
input, select { font-size: 1rem; padding: .3rem; }
button { font-size: 1rem; padding: .35rem .9rem; border: 0; border-radius: 4px; cursor: pointer; }
button:disabled { opacity: .45; cursor: not-allowed; }
[role=alert] { color: #b91c1c; }
[role=status] { color: #166534; }
"""


def document(title: str, body: str, *, style: str = "", script: str = "") -> str:
    """A complete HTML page with the shared style, page style and an inline script."""
    script_tag = f"<script>\n{script}\n</script>" if script else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{BASE_STYLE}{style}</style>
</head>
<body>
{body}
{script_tag}
</body>
</html>
"""


def with_config(config: dict[str, object], script: str) -> str:
    """Prefix a script with `const CONFIG = {...}` (the variant's switches), so the script stays plain JS."""
    return f"const CONFIG = {json.dumps(config)};\n{script}"
