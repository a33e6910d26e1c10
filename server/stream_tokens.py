"""Short-lived tokens that open one request's event stream, for browsers.

A browser's EventSource cannot send an `Authorization` header, so the page trades its key (in a header) for
a token it may put in the stream's URL. A token opens only that request's stream, only for the key that
asked for it, and only for a few minutes; Redis keeps it (by its digest), so every server process knows it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from server.keys import Caller

# Long enough for EventSource's own reconnections, short enough that a URL seen in a log is soon useless.
STREAM_TOKEN_TTL_S = 300


def _redis_key(token: str) -> str:
    return f"stream-token:{hashlib.sha256(token.encode()).hexdigest()}"


async def issue_stream_token(redis: Redis, caller: Caller, request_id: uuid.UUID) -> tuple[str, datetime]:
    """A new token for the request's stream, and when it expires."""
    token = secrets.token_urlsafe(32)
    grant = {"key_id": str(caller.key_id), "name": caller.name, "request_id": str(request_id)}
    await redis.set(_redis_key(token), json.dumps(grant), ex=STREAM_TOKEN_TTL_S)
    return token, datetime.now(UTC) + timedelta(seconds=STREAM_TOKEN_TTL_S)


async def redeem_stream_token(redis: Redis, token: str, request_id: uuid.UUID) -> Caller | None:
    """Whose token it is, when it is live and was issued for this request; else None."""
    stored = await redis.get(_redis_key(token))
    if stored is None:
        return None
    grant = json.loads(stored)
    if grant["request_id"] != str(request_id):
        return None
    return Caller(key_id=uuid.UUID(grant["key_id"]), name=grant["name"])
