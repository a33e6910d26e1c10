"""The sample pages as robustness targets: each page offers what a sample API module offers the benchmark.

A page's variants, a server of one, its bundled requirements, and the request that generates its suite (the
page URL, as a user hands it over). Served by samples.pages, one server per variant, the others correct.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from samples.pages import BUGGY_VARIANTS, CORRECT, HARMLESS_VARIANTS, REQUIREMENTS, VARIANTS, serve_pages
from vocabulary.artefacts import RequestKind


@dataclass(frozen=True)
class PipelineInput:
    """What the pipeline is handed for a suite: the request's kind, its target, and the API's base URL."""

    kind: RequestKind
    target: str
    base_url: str


class SamplePage:
    """One sample page with the interface of a sample API module (Variant, BUGGY_VARIANTS, serve…)."""

    SUITE_ENVIRONMENT: ClassVar[Mapping[str, str]] = {}  # a page's suite needs nothing but its base URL

    def __init__(self, page: str) -> None:
        self.page = page
        # The catalog names variants by string; the benchmark's plan, like the APIs', takes an enum.
        self.Variant: type[StrEnum] = StrEnum(
            f"{page.capitalize()}Variant", {v.name: v.name for v in VARIANTS[page]}
        )
        self.BUGGY_VARIANTS: tuple[StrEnum, ...] = tuple(self.Variant(name) for name in BUGGY_VARIANTS[page])
        self.HARMLESS_VARIANTS: tuple[StrEnum, ...] = tuple(
            self.Variant(name) for name in HARMLESS_VARIANTS[page]
        )

    @contextmanager
    def serve(self, variant: StrEnum | str = CORRECT) -> Iterator[str]:
        """The sample pages with this page as `variant`; yields the base URL."""
        with serve_pages({self.page: str(variant)}) as base_url:
            yield base_url

    def load_requirements(self) -> list[str]:
        return list(REQUIREMENTS[self.page])


@dataclass(frozen=True)
class PageTarget:
    """A sample page; `name` is its path on the sample server and its key in the corpus."""

    name: str
    quick_variants: tuple[str, ...] = ()
    compare_schemathesis: ClassVar[bool] = False
    has_spec: ClassVar[bool] = False  # no spec-only row: without requirements a page has nothing to check
    # A quick run measures one style only: every row starts a browser per variant.
    quick_baseline: ClassVar[bool] = False

    def load(self) -> SamplePage | str:
        """The page's benchmark interface, or why there is none."""
        if self.name not in VARIANTS:
            return f"samples.pages serves no page {self.name!r}"
        return SamplePage(self.name)

    def pipeline_input(self, sample: object, base_url: str) -> PipelineInput:
        """The page's URL on the server; recon derives the base URL from it."""
        return PipelineInput("ui", f"{base_url}/{self.name}", "")


PAGE_TARGETS = (PageTarget("login"), PageTarget("todo"), PageTarget("search"), PageTarget("shop"))
QUICK_PAGE_TARGETS = PAGE_TARGETS[:1]
