"""Which variants each sample page has, split into the correct, buggy and harmless ones."""

from __future__ import annotations

from samples.pages import login, search, shop, todo
from samples.pages.variant import PageVariant

VARIANTS: dict[str, tuple[PageVariant, ...]] = {
    "login": login.VARIANTS,
    "todo": todo.VARIANTS,
    "search": search.VARIANTS,
    "shop": shop.VARIANTS,
}
BUGGY_VARIANTS: dict[str, tuple[str, ...]] = {
    page: tuple(v.name for v in variants if v.kind == "buggy") for page, variants in VARIANTS.items()
}
HARMLESS_VARIANTS: dict[str, tuple[str, ...]] = {
    page: tuple(v.name for v in variants if v.kind == "harmless") for page, variants in VARIANTS.items()
}


def variant_info(page: str, name: str) -> PageVariant:
    """The variant called `name` of `page`; KeyError if there is none."""
    for variant in VARIANTS[page]:
        if variant.name == name:
            return variant
    raise KeyError(f"{page}/{name}")
