"""`testops keys`: make, list and revoke the service's API keys (kept in the database as digests only)."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.settings import Settings
from server.keys import new_key
from storage.engine import migrate, session_scope
from storage.repository import create_api_key, list_api_keys, revoke_api_key

keys_app = typer.Typer(help="Make, list and revoke the service's API keys.", no_args_is_help=True)
console = Console()
notes = Console(stderr=True)


def _key_name(value: str) -> str:
    name = value.strip()
    if not 1 <= len(name) <= 100 or not name.isprintable():
        raise typer.BadParameter("a name is 1 to 100 printable characters")
    return name


def _key_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"not a key id: {value!r}") from None


def _migrated() -> str:
    url = Settings().sqlalchemy_url
    migrate(url)
    return url


@keys_app.command("create")
def create(name: Annotated[str, typer.Argument(help="Who or what will use it.", parser=_key_name)]) -> None:
    """Make a key and print it, this once: only its digest is stored."""
    key = new_key()
    with session_scope(_migrated()) as session:
        stored = create_api_key(session, name=name, key_hash=key.digest, prefix=key.prefix)
    notes.print(f"API key {stored.key_id} ({name}): keep it now, it is not shown again", highlight=False,
                soft_wrap=True)
    # Alone on stdout, so that a script can take it: KEY=$(testops keys create ci)
    print(key.secret)


@keys_app.command("list")
def list_keys() -> None:
    """Every stored key (its prefix, never the key) and whether it is revoked."""
    with session_scope(_migrated()) as session:
        keys = list_api_keys(session)
    table = Table("name", "created", "revoked")
    # Whole, whatever the width: an id is what `revoke` takes.
    table.add_column("id", no_wrap=True)
    table.add_column("prefix", no_wrap=True)
    for key in keys:
        created = f"{key.created_at:%Y-%m-%d %H:%M}"
        revoked = f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else ""
        table.add_row(key.name, created, revoked, str(key.key_id), f"{key.prefix}…")
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[uuid.UUID, typer.Argument(help="Its id, from `testops keys list`.",
                                                       parser=_key_id)]) -> None:
    """Refuse the key from now on (401 on its next call); its requests stay, seen by no key."""
    with session_scope(_migrated()) as session:
        key = revoke_api_key(session, key_id)
    if key is None:
        raise typer.BadParameter(f"no API key with id {key_id}", param_hint="'KEY_ID'")
    notes.print(f"API key {key.key_id} ({key.name}) revoked", highlight=False, soft_wrap=True)
