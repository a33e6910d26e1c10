"""Claims about change, on a made-up playlist API: a field that follows another one, a number that moves by
an amount as a side effect, and a list total that must equal the items stored."""

from __future__ import annotations

from typing import Any

import pytest

from generators.api.codegen import render_scenario
from generators.api.requirements import Uncovered, plan_requirement
from generators.api.suite import support
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement
from vocabulary.claims import FieldCheck, Ref, Scenario, Step


def scenarios(text: str) -> list[Scenario]:
    result = plan_requirement(Requirement(requirement_id="C1", text=text), load_spec("playlists"))
    assert not isinstance(result, Uncovered), result.reason
    return result


def reason(text: str) -> str:
    result = plan_requirement(Requirement(requirement_id="C9", text=text), load_spec("playlists"))
    assert isinstance(result, Uncovered), [s.name for s in result]
    return result.reason


def checked(scenario: Scenario, operation_id: str) -> Step:
    (step,) = [s for s in scenario.steps if s.operation_id == operation_id and s.expect.fields]
    return step


def claimed(step: Step) -> list[FieldCheck]:
    return [c for c in step.expect.fields if c.source != "spec"]


def holds(scenario: Scenario, needle: str, **names: Any) -> bool:
    """Whether the rendered assertion line holding `needle` passes with these response bodies."""
    code = render_scenario(scenario, load_spec("playlists"), module="test_changes").code
    (line,) = [line.strip() for line in code.splitlines() if needle in line and "assert" in line]
    try:
        exec(line, {"value_at": support.value_at, **names})  # noqa: S102
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize(
    "text",
    [
        "Renaming a playlist gives it a new handle.",
        "When the name of a playlist is edited, the handle is regenerated.",
        "Changing a playlist's name changes its handle too.",
    ],
)
def test_a_derived_key_differs_after_its_source_changes_and_the_item_is_read_by_the_new_one(
    text: str,
) -> None:
    (scenario,) = scenarios(text)
    created = next(s for s in scenario.steps if s.save_as == "created")
    update = checked(scenario, "updatePlaylist")
    assert update.body["name"] != created.body["name"]
    assert {k: v for k, v in update.body.items() if k != "name"} == {
        k: v for k, v in created.body.items() if k != "name"
    }
    assert claimed(update) == [
        FieldCheck(pointer="/handle", op="!=", value=Ref(step="created", pointer="/handle"), source="C1")
    ]
    assert update.save_as == "changed"
    moved = {"handle": Ref(step="changed", pointer="/handle")}
    assert update.expect.cleanup is not None and update.expect.cleanup.path_params == moved
    read = scenario.steps[-1]
    assert (read.operation_id, read.path_params, read.expect.statuses) == ("getPlaylist", moved, [200])


def test_a_field_said_to_stay_is_compared_with_the_item_as_created() -> None:
    (scenario,) = scenarios("A playlist's handle stays unchanged when its description is modified.")
    created = next(s for s in scenario.steps if s.save_as == "created")
    update = checked(scenario, "updatePlaylist")
    assert update.body["description"] != created.body.get("description")
    assert update.body["name"] == created.body["name"]  # only the named field changes
    assert claimed(update) == [
        FieldCheck(pointer="/handle", op="==", value=Ref(step="created", pointer="/handle"), source="C1")
    ]
    assert update.save_as is None and update is scenario.steps[-1]


def test_a_refused_call_cannot_show_a_change() -> None:
    assert "refused" in reason(
        "Renaming a playlist without a token is refused with 401 and gives a new handle."
    )


def test_a_time_said_to_change_stays_uncovered_as_it_may_rightly_not_move_within_a_second() -> None:
    assert "is a time" in reason("When a playlist's name is changed, its updated_at changes.")


def test_a_number_one_higher_is_compared_with_a_read_right_before_the_call() -> None:
    (scenario,) = scenarios("Liking a playlist makes its likes one higher.")
    assert [s.operation_id for s in scenario.steps] == ["createPlaylist", "getPlaylist", "likePlaylist"]
    assert scenario.steps[1].save_as == "before"
    (check,) = claimed(checked(scenario, "likePlaylist"))
    assert check == FieldCheck(
        pointer="/likes", op="==", value=Ref(step="before", pointer="/likes", plus=1), source="C1"
    )
    assert holds(scenario, "/likes", body={"likes": 4}, before={"likes": 3})
    assert not holds(scenario, "/likes", body={"likes": 3}, before={"likes": 3})


def test_a_drop_undoes_first_so_there_is_something_to_drop_and_stops_at_its_floor() -> None:
    (scenario,) = scenarios("Unliking a playlist drops likes by 1 but never below 0.")
    assert [s.operation_id for s in scenario.steps] == [
        "createPlaylist",
        "likePlaylist",
        "getPlaylist",
        "unlikePlaylist",
    ]
    (check,) = claimed(checked(scenario, "unlikePlaylist"))
    assert check.value == Ref(step="before", pointer="/likes", plus=-1, at_least=0)
    assert holds(scenario, "/likes", body={"likes": 0}, before={"likes": 1})
    assert holds(scenario, "/likes", body={"likes": 0}, before={"likes": 0})
    assert not holds(scenario, "/likes", body={"likes": 1}, before={"likes": 1})


def test_a_move_without_an_amount_only_says_which_way() -> None:
    (scenario,) = scenarios("Liking a playlist increases its likes.")
    (check,) = claimed(checked(scenario, "likePlaylist"))
    assert (check.op, check.value) == (">", Ref(step="before", pointer="/likes"))


@pytest.mark.parametrize(
    "text",
    [
        "A playlist name longer than 80 characters is rejected.",
        "Liking a playlist answers with likes higher than 0.",
        "Deleting a playlist drops its likes by 1.",
        "Updating a playlist with likes 5 returns 200.",
    ],
)
def test_bounds_targets_and_gone_items_are_no_relative_change(text: str) -> None:
    result = plan_requirement(Requirement(requirement_id="C1", text=text), load_spec("playlists"))
    planned = [] if isinstance(result, Uncovered) else result
    refs = [
        c.value
        for s in planned
        for step in s.steps
        for c in step.expect.fields
        if isinstance(c.value, Ref) and c.value.step == "before"
    ]
    assert refs == []


def test_a_total_with_a_stored_count_is_the_number_of_items_on_all_pages() -> None:
    text = "With 4 playlists stored, GET /playlists?limit=3 shows at most 3 items; and the total still says 4"
    page, total = scenarios(text)
    assert claimed(checked(page, "listPlaylists"))[0].op == "len<="
    listing = checked(total, "listPlaylists")
    assert [s.operation_id for s in total.steps].count("createPlaylist") == 4
    assert listing.query == {"limit": 3}
    assert listing.expect.paging is not None and listing.expect.paging.total_pointer == "/total"
    assert claimed(listing) == [FieldCheck(pointer="", op="len>=", value=4, source="C1")]


def test_a_total_without_a_stored_count_stays_uncovered() -> None:
    assert "depends on what else the service holds" in reason("GET /playlists reports a total of 7.")


def test_a_page_check_and_a_total_in_one_claim_are_two_calls_one_of_them_walking() -> None:
    text = "With 4 playlists stored, GET /playlists?limit=3 returns at most 3 items and a total of 4."
    page, total = scenarios(text)
    assert page.name.endswith("_page") and total.name.endswith("_total")
    first = checked(page, "listPlaylists")
    assert first.expect.paging is None and claimed(first)[0].op == "len<="
    walked = checked(total, "listPlaylists")
    assert walked.expect.paging is not None
    assert claimed(walked) == [FieldCheck(pointer="", op="len>=", value=4, source="C1")]


def test_a_total_of_all_items_walks_more_than_one_page_of_them() -> None:
    text = "GET /playlists?limit=2 gives a `total` that is the number of all playlists, not the page's."
    (scenario,) = scenarios(text)
    assert [s.operation_id for s in scenario.steps].count("createPlaylist") == 3
    listing = checked(scenario, "listPlaylists")
    assert listing.expect.paging is not None and listing.expect.paging.limit == 2
    assert claimed(listing) == [FieldCheck(pointer="", op="len>=", value=3, source="C1")]


def test_a_number_after_a_comparison_word_is_a_bound_not_the_value() -> None:
    (scenario,) = scenarios("Liking a playlist answers with likes higher than 0.")
    assert claimed(checked(scenario, "likePlaylist")) == [
        FieldCheck(pointer="/likes", op=">", value=0, source="C1")
    ]
