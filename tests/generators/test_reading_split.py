"""Stage 1 of the requirement reader: claims, traced to their requirement, from prose, stories and Gherkin."""

from __future__ import annotations

from generators.api.reading.split import split_requirement


def texts(text: str) -> list[str]:
    return [claim.text for claim in split_requirement("B1", text)]


def test_sentences_and_semicolons_are_claims() -> None:
    assert texts("Booking a room returns 201. Cancelling it twice answers 409; and the guest is kept.") == [
        "Booking a room returns 201",
        "Cancelling it twice answers 409",
        "the guest is kept",
    ]


def test_decimal_points_and_quoted_stops_do_not_split() -> None:
    assert texts('A rate of 12.5 is kept and "Mr. Smith" is echoed back.') == [
        'A rate of 12.5 is kept and "Mr. Smith" is echoed back'
    ]


def test_comma_and_splits_only_between_two_outcomes() -> None:
    assert texts("Adding a room returns 201, and listing rooms shows it") == [
        "Adding a room returns 201",
        "listing rooms shows it",
    ]
    assert texts("Listing rooms returns id, name and floor") == ["Listing rooms returns id, name and floor"]


def test_a_story_keeps_its_acceptance_criterion() -> None:
    story = "As a guest I want to see my stays so that I can plan; Acceptance: listing bookings returns 200."
    assert texts(story) == ["listing bookings returns 200"]


def test_gherkin_gives_one_claim_per_outcome_sharing_setup_and_action() -> None:
    claims = split_requirement(
        "B2",
        "Given a confirmed booking\nWhen I cancel it\nThen the status is 200\nAnd its state is 'cancelled'",
    )
    assert [(c.setup, c.action, c.outcome) for c in claims] == [
        ("a confirmed booking", "I cancel it", "the status is 200"),
        ("a confirmed booking", "I cancel it", "its state is 'cancelled'"),
    ]
    assert {c.requirement_id for c in claims} == {"B2"} and [c.index for c in claims] == [0, 1]


def test_json_bodies_never_split() -> None:
    assert texts('POST /rooms {"name": "A; B. C"} returns 201') == [
        'POST /rooms {"name": "A; B. C"} returns 201'
    ]
