"""What a page variant is: the correct page, a harmless restyle, or a page with one planted bug."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CORRECT = "correct"
VariantKind = Literal["correct", "buggy", "harmless"]


@dataclass(frozen=True)
class PageVariant:
    """One variant of a sample page; `breaks` names the requirements a good suite must see fail."""

    page: str
    name: str
    kind: VariantKind
    description: str
    breaks: tuple[str, ...] = ()
