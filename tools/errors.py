"""Typed errors for bad input. Each carries one readable line for the user; no traceback is shown."""

from __future__ import annotations


class InputError(Exception):
    """Something the user gave us cannot be used. str(error) is the one line shown to them."""


class SpecError(InputError):
    """The OpenAPI document is missing, unreadable, malformed or of an unsupported version."""


class TargetUnreachableError(InputError):
    """The base URL or page does not answer."""


class OutputDirError(InputError):
    """The output directory cannot be written."""


class UnknownRequestError(InputError):
    """No request has that id."""
