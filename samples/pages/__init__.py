"""Sample web pages (login, to-do, product search, a shop) with correct, buggy and harmless variants.

The UI pipeline is measured on them: a generated suite must pass on the correct and harmless variants and
fail on every buggy one.
"""

from samples.pages.catalog import BUGGY_VARIANTS, HARMLESS_VARIANTS, VARIANTS, variant_info
from samples.pages.requirements import REQUIREMENTS
from samples.pages.server import serve_pages
from samples.pages.variant import CORRECT, PageVariant

__all__ = [
    "BUGGY_VARIANTS",
    "CORRECT",
    "HARMLESS_VARIANTS",
    "REQUIREMENTS",
    "VARIANTS",
    "PageVariant",
    "serve_pages",
    "variant_info",
]
