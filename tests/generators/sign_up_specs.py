"""Spec pieces the sign-up tests' small targets share: the account a user signs up with and a refusal."""

from __future__ import annotations

from typing import Any

# What a sign-up takes: a login name and a password of some length.
ACCOUNT: dict[str, Any] = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "minLength": 3},
        "password": {"type": "string", "minLength": 8},
    },
}
REFUSED: dict[str, Any] = {
    "description": "refused", "content": {"application/json": {"schema": {"type": "object"}}}
}
