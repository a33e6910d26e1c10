"""UI test generation: a reconnoitred page and plain-language requirements in, pytest + Playwright out."""

from generators.ui.offline import OfflineUiGenerator

__all__ = ["OfflineUiGenerator"]
