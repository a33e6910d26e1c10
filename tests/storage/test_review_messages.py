"""The review conversation's table, on SQLite and PostgreSQL: exchanges in order, gone with their request."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Request, ReviewMessage
from storage.repository import create_request
from storage.review_messages import add_exchange, list_messages


def test_exchanges_are_read_back_in_order_and_leave_with_their_request(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    request_id = create_request(session, kind="api", target="kennels.yaml").request_id
    drop = {"kind": "drop", "test_ids": ["test_a.py::test_one"]}
    message, reply = add_exchange(session, request_id, "drop 1", "Dropped test 1 (test_one).", drop)
    add_exchange(session, request_id, "", "The message is empty. I can: …", None)
    assert (message.role, reply.role, reply.action) == ("reviewer", "assistant", drop)
    assert message.created_at.tzinfo is not None

    with sessions() as other:
        read = list_messages(other, request_id)
    assert [(m.role, m.text) for m in read] == [
        ("reviewer", "drop 1"), ("assistant", "Dropped test 1 (test_one)."),
        ("reviewer", ""), ("assistant", "The message is empty. I can: …"),
    ]
    assert read[0].action == drop and read[2].action is None
    assert list_messages(session, uuid.uuid4()) == []

    session.delete(session.get(Request, request_id))
    session.commit()
    assert session.scalars(select(ReviewMessage)).all() == []
