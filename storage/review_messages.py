"""A request's review conversation: stored a reviewer message and its reply at a time, read back in order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import ReviewMessage

Role = Literal["reviewer", "assistant"]
# Two exchanges racing for the same positions: the loser reads the new end and tries again, this often.
_POSITION_RETRIES = 5


class ReviewMessageData(BaseModel):
    """One turn as callers see it."""

    model_config = ConfigDict(from_attributes=True)

    role: Role
    text: str
    created_at: datetime
    action: dict[str, Any] | None = None


def add_exchange(
    session: Session, request_id: uuid.UUID, message: str, reply: str, action: dict[str, Any] | None
) -> tuple[ReviewMessageData, ReviewMessageData]:
    """Store the reviewer's `message` and the assistant's `reply`, both with the `action` they stand for."""
    attempts = 0
    while True:
        end = session.scalar(
            select(func.coalesce(func.max(ReviewMessage.position) + 1, 0)).where(
                ReviewMessage.request_id == request_id
            )
        )
        rows = [
            ReviewMessage(request_id=request_id, position=end + i, role=role, text=text, action=action)
            for i, (role, text) in enumerate((("reviewer", message), ("assistant", reply)))
        ]
        session.add_all(rows)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            attempts += 1
            if attempts == _POSITION_RETRIES:
                raise
            continue
        return ReviewMessageData.model_validate(rows[0]), ReviewMessageData.model_validate(rows[1])


def list_messages(session: Session, request_id: uuid.UUID) -> list[ReviewMessageData]:
    """The request's conversation, oldest first."""
    rows = session.scalars(
        select(ReviewMessage).where(ReviewMessage.request_id == request_id).order_by(ReviewMessage.position)
    )
    return [ReviewMessageData.model_validate(row) for row in rows]
