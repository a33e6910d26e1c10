"""Stage 2: the grounding table comes from the spec at run time: resources, fields in any spelling, enums."""

from __future__ import annotations

from generators.api.reading.lexicon import Lexicon, intent_of, key_of, stem_of, typed
from tests.generators.specs import load_spec


def test_nouns_come_from_paths_tags_and_operation_ids_with_trailing_slashes() -> None:
    lexicon = Lexicon(load_spec("library"))
    assert set(lexicon.nouns[("book",)]) == {"/books/", "/books/{isbn}"}
    assert lexicon.nouns[("loan",)] == ["/books/{isbn}/loans"]
    picked = {intent: lexicon.pick(("book",), intent) for intent in ("create", "list", "read", "delete")}
    assert {k: v.operation_id for k, v in picked.items() if v} == {
        "create": "addBook",
        "list": "searchBooks",
        "read": "getBook",
        "delete": "withdrawBook",
    }


def test_fields_match_snake_camel_plain_and_nested_spellings() -> None:
    lexicon = Lexicon(load_spec("library"))
    inputs = lexicon.inputs(lexicon.api.operation("addBook"))  # type: ignore[arg-type]
    assert inputs.by_key[key_of("published year")] == "publishedYear"
    assert inputs.by_key[key_of("published_year")] == "publishedYear"
    assert inputs.by_key[key_of("shelf room")] == "/shelf/room"
    loan = lexicon.inputs(lexicon.api.operation("lendBook"))  # type: ignore[arg-type]
    assert loan.by_key[("day",)] == "loanDays"  # a field's last word, when no other field ends with it


def test_enum_values_and_parameters_are_grounded() -> None:
    lexicon = Lexicon(load_spec("bookings"))
    listing = lexicon.inputs(lexicon.api.operation("listBookings"))  # type: ignore[arg-type]
    assert listing.enum_fields("confirmed") == ["state"] and "limit" in listing.schemas
    assert lexicon.outputs(lexicon.api.operation("listBookings")).by_key[("guest", "name")] == "/guestName"  # type: ignore[arg-type]


def test_closed_vocabulary_of_verbs() -> None:
    assert [intent_of(w) for w in ("Booking", "removes", "renamed", "browsing", "guest")] == [
        None,
        "delete",
        "update",
        "list",
        None,
    ]
    assert stem_of("cancelling") == stem_of("cancelled") == stem_of("cancel")


def test_values_are_typed_by_the_schema() -> None:
    assert typed("3", {"type": "integer"}) == [3]
    assert typed("Confirmed", {"type": "string", "enum": ["pending", "confirmed"]}) == ["confirmed"]
    assert typed("maybe", {"type": "string", "enum": ["pending"]}) == []
    assert typed(2.5, {"type": "integer"}) == []
