"""Stages 3 and 4: claims in other domains' words matched to frames, emitted as scenarios of the shared IR."""

from __future__ import annotations

from typing import Any

import pytest

from generators.api.reading.frames import frame_claim
from generators.api.reading.lexicon import Lexicon
from generators.api.reading.model import Gap, Reading
from generators.api.reading.split import split_requirement
from generators.api.requirements import Uncovered, plan_requirement
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement
from vocabulary.claims import Ref, Scenario, Step

BOOKING_FIELDS = ("guestName", "roomId", "nights", "state")


def scenarios(text: str, spec: str) -> list[Scenario]:
    result = plan_requirement(Requirement(requirement_id="T1", text=text), load_spec(spec))
    assert not isinstance(result, Uncovered), result.reason
    return result


def reason(text: str, spec: str) -> str:
    result = plan_requirement(Requirement(requirement_id="T9", text=text), load_spec(spec))
    assert isinstance(result, Uncovered), [s.name for s in result]
    return result.reason


def read(text: str, spec: str) -> Reading | Gap:
    (claim,) = split_requirement("T1", text)
    return frame_claim(claim, Lexicon(load_spec(spec)))


def calls(scenario: Scenario) -> list[tuple[str, Any, list[int] | str | None]]:
    return [(s.operation_id, s.body, s.expect.statuses or s.expect.status_class) for s in scenario.steps]


def checks(step: Step) -> list[tuple[str, str, Any]]:
    return [(c.pointer, c.op, c.value) for c in step.expect.fields]


def test_action_to_status_with_a_value_past_a_bound() -> None:
    (scenario,) = scenarios("POST /bookings with `nights: 15` → 422", "bookings")
    (step,) = scenario.steps
    assert (
        step.operation_id == "createBooking" and step.body["nights"] == 15 and step.expect.statuses == [422]
    )


def test_a_stated_range_is_tested_on_both_sides_of_each_edge() -> None:
    found = scenarios("The published year of a new book must be between 1450 and 2100 inclusive.", "library")
    sent = sorted((s.steps[-1].body["publishedYear"], s.steps[-1].expect.statuses[0] < 400) for s in found)
    assert sent == [(1449, False), (1450, True), (2100, True), (2101, False)]
    refused = next(s for s in found if s.steps[-1].body["publishedYear"] == 2101)
    assert refused.steps[-1].expect.statuses == [400]  # the one client error addBook documents


def test_a_length_limit_without_a_verb_reads_as_a_constraint_on_creation() -> None:
    found = scenarios("A book's title is at most 200 characters.", "library")
    assert sorted(len(s.steps[-1].body["title"]) for s in found) == [200, 201]


def test_default_value_is_checked_without_sending_the_field() -> None:
    (scenario,) = scenarios('Creating a booking without a state gives it the state "pending".', "bookings")
    (step,) = scenario.steps
    assert "state" not in step.body and checks(step) == [("/state", "==", "pending")]
    assert step.expect.statuses == [201]


def test_nested_fields_are_sent_and_checked() -> None:
    (scenario,) = scenarios('Adding a book with shelf room "B" returns it with shelf room "B".', "library")
    (step,) = scenario.steps
    assert step.body["shelf"] == {"room": "B"} and checks(step) == [("/shelf/room", "==", "B")]


def test_filter_creates_an_item_of_another_value_so_the_check_can_fail() -> None:
    (scenario,) = scenarios("GET /bookings?state=confirmed lists only confirmed bookings.", "bookings")
    *seeds, listing = scenario.steps
    assert sorted(s.body["state"] for s in seeds) == ["confirmed", "pending"]
    assert listing.query == {"state": "confirmed"} and listing.expect.paging is not None
    assert [(c.op, c.item_pointer, c.value) for c in listing.expect.fields] == [
        ("all==", "/state", "confirmed")
    ]


def test_count_creates_one_more_item_than_the_limit() -> None:
    (scenario,) = scenarios("Listing bookings with limit=3 returns at most 3 bookings.", "bookings")
    *seeds, listing = scenario.steps
    assert len(seeds) == 4 and listing.query == {"limit": 3}
    assert checks(listing) == [("/data", "len<=", 3)]


def test_state_transition_is_set_up_then_refused_and_read_back() -> None:
    text = (
        'Given a confirmed booking\nWhen I PATCH /bookings/{bookingId} with {"nights": 20}\n'
        'Then the status code is 422\nAnd the booking still has state "confirmed"'
    )
    first, second = scenarios(text, "bookings")
    assert calls(first)[1:] == [
        ("updateBooking", {"state": "confirmed"}, [200]),
        ("updateBooking", {"nights": 20}, [422]),
    ]
    read_back = second.steps[-1]
    assert read_back.operation_id == "getBooking" and checks(read_back) == [("/state", "==", "confirmed")]
    assert second.steps[2].expect.statuses == [422]  # the second outcome keeps the first one's status


def test_sequence_after_a_prior_action_on_the_same_item() -> None:
    (scenario,) = scenarios("Once a book has been withdrawn, reading it again returns 404.", "library")
    create, withdraw, read_again = scenario.steps
    assert (withdraw.operation_id, withdraw.expect.statuses) == ("withdrawBook", [204])
    assert read_again.operation_id == "getBook" and read_again.expect.statuses == [404]
    assert read_again.path_params == {"isbn": Ref(step="created", pointer="/isbn")}


def test_repeated_action_and_operation_words_from_operation_ids() -> None:
    (scenario,) = scenarios("Cancelling a booking that is already cancelled answers 409.", "bookings")
    create, first, second = scenario.steps
    assert (first.operation_id, first.expect.statuses) == ("cancelBooking", [200])
    assert (second.operation_id, second.expect.statuses) == ("cancelBooking", [409])


def test_unknown_id_uses_an_id_of_the_parameters_format() -> None:
    (scenario,) = scenarios("Fetching an unknown booking returns 404 Not Found.", "bookings")
    (step,) = scenario.steps
    assert step.path_params == {"bookingId": "00000000-0000-4000-8000-000000000000"}


def test_every_endpoint_with_wrong_credentials() -> None:
    found = scenarios("Calls to any endpoint with an invalid token are rejected with 401.", "bookings")
    secured = {o.operation_id for o in load_spec("bookings").operations if o.security}
    assert {s.steps[-1].operation_id for s in found} == secured
    assert all(s.steps[-1].headers == {"Authorization": "Bearer invalid-token"} for s in found)


def test_compound_claims_are_all_tested_and_the_second_inherits_the_call() -> None:
    found = scenarios(
        "Lending a book for 29 days is rejected; and lending it for 28 days is accepted.", "library"
    )
    assert [
        (s.steps[-1].body["loanDays"], s.steps[-1].expect.statuses or s.steps[-1].expect.status_class)
        for s in found
    ] == [
        (29, "4xx"),  # lendBook documents no validation error: any client error, not its 409
        (28, [201]),
    ]


def test_a_titled_reference_line_is_read_claim_by_claim() -> None:
    # The call written with the server's base path (/v2), as API reference pages write it.
    text = (
        "Book a room: POST /v2/bookings. Authentication required, returns a Booking. "
        "Required fields: guestName, roomId, nights"
    )
    found = scenarios(text, "bookings")
    anonymous, success, *omitted = [s.steps[-1] for s in found]
    assert (anonymous.auth, anonymous.expect.statuses) == ("none", [401])
    assert (success.auth, success.expect.statuses, success.expect.schema_of) == (
        "valid",
        [201],
        ("createBooking", "201"),
    )
    assert [sorted(set(BOOKING_FIELDS) - set(step.body)) for step in omitted] == [
        ["guestName"],
        ["roomId"],
        ["nights"],
    ]
    assert all(step.expect.statuses == [422] for step in omitted)


def test_credentials_required_alone_is_an_anonymous_refusal() -> None:
    (scenario,) = scenarios("Withdraw a book: DELETE /books/{isbn}. Requires an API key", "library")
    *_, step = scenario.steps
    assert (step.operation_id, step.auth, step.expect.status_class) == ("withdrawBook", "none", "4xx")


def test_gherkin_without_credentials() -> None:
    (scenario,) = scenarios(
        "Given no API key\nWhen I search the books\nThen the response status is 401", "library"
    )
    (step,) = scenario.steps
    assert (step.operation_id, step.auth, step.expect.statuses) == ("searchBooks", "none", [401])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A reader only sees their own loans.", "names no resource of the spec whose items can be made"),
        ("Removing a book or a loan that does not exist returns 404.", "no operation of the spec matches"),
        ("POST /magazines returns 201.", "no operation of the spec matches: the spec has no POST /magazines"),
        ("Adding a book should feel pleasant.", "no checkable statement"),
    ],
)
def test_what_cannot_be_read_is_uncovered_with_the_reason(text: str, expected: str) -> None:
    assert reason(text, "library").startswith(expected)


def test_a_requirement_is_uncovered_when_one_of_its_claims_is() -> None:
    text = "Adding a book returns 201; and its shelf row is the number of books on the shelf."
    assert reason(text, "library").startswith("claim 2 of 2")


def test_a_placeholder_in_an_expected_message_checks_its_literal_parts() -> None:
    reading = read('Fetching an unknown book returns 404 with title "Book <isbn> is unknown"', "library")
    assert isinstance(reading, Reading)
    assert [(c.op, c.value) for c in reading.outcome.checks] == [
        ("contains", "Book"),
        ("contains", "is unknown"),
    ]


def test_a_status_the_text_rules_out_is_not_expected() -> None:
    reading = read("Withdrawing an unknown book answers 404, never 500.", "library")
    assert isinstance(reading, Reading) and reading.outcome.statuses == [404]
