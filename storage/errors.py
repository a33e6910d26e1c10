"""Typed storage errors. Each carries one readable line for the user, like the other input errors."""

from __future__ import annotations

from tools.errors import InputError


class StorageError(InputError):
    """The database URL is malformed or unsupported, or the database cannot be reached or migrated."""
