"""Ownership and sign-in claims on a made-up recipe API: a second identity is refused what the first one made,
and a sign-in first makes the account it names."""

from __future__ import annotations

import pytest

from generators.api.codegen import render_scenario
from generators.api.reading.lexicon import Lexicon
from generators.api.reading.ownership import is_ownership
from generators.api.requirements import Uncovered, plan_requirement
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement
from vocabulary.claims import Ref, Scenario


def scenarios(text: str) -> list[Scenario]:
    result = plan_requirement(Requirement(requirement_id="O1", text=text), load_spec("recipes"))
    assert not isinstance(result, Uncovered), result.reason
    return result


def reason(text: str) -> str:
    result = plan_requirement(Requirement(requirement_id="O9", text=text), load_spec("recipes"))
    assert isinstance(result, Uncovered), [s.name for s in result]
    return result.reason


def test_only_the_owner_may_change_creates_first_then_updates_as_the_second_identity() -> None:
    (scenario,) = scenarios("Only its owner can change a recipe.")
    create, update = scenario.steps
    assert (create.operation_id, create.auth) == ("createRecipe", "valid")
    assert (update.operation_id, update.auth) == ("updateRecipe", "second")
    assert update.path_params == {"code": Ref(step="created", pointer="/recipe/code")}
    # Both documented: either hides the item from a stranger.
    assert update.expect.statuses == [403, 404]


def test_a_member_sees_only_their_items_lists_every_page_as_the_second_identity() -> None:
    (scenario,) = scenarios("A cook sees only the recipes they created.")
    listing = scenario.steps[-1]
    assert (listing.operation_id, listing.auth) == ("listRecipes", "second")
    assert listing.expect.paging is not None and listing.expect.paging.items_pointer == "/recipes"
    (check,) = listing.expect.fields
    assert (check.op, check.item_pointer, check.value) == (
        "lacks_item",
        "/code",
        Ref(step="created", pointer="/recipe/code"),
    )


def test_the_only_documented_refusal_is_expected() -> None:
    (scenario,) = scenarios("Recipes one cook made cannot be deleted by another cook.")
    assert scenario.steps[-1].expect.statuses == [404]


def test_without_a_documented_refusal_any_client_error_is_accepted_and_said() -> None:
    (scenario,) = scenarios("A note can only be removed by its author.")
    assert [s.operation_id for s in scenario.steps] == ["createRecipe", "addNote", "deleteNote"]
    assert scenario.steps[-1].expect.status_class == "4xx"
    assert "no 403 or 404 documented for deleteNote" in scenario.description


def test_what_one_identity_made_covers_every_kind_of_item_that_has_the_operation() -> None:
    built = scenarios("What one cook made, another cook cannot delete.")
    assert [s.steps[-1].operation_id for s in built] == ["deleteRecipe", "deleteNote"]
    assert len({s.name for s in built}) == 2


def test_an_operation_the_spec_lacks_is_uncovered() -> None:
    assert "no operation of the spec can update a notes item" in reason("Only the author can edit a note.")


def test_the_second_identity_gets_its_own_client() -> None:
    (scenario,) = scenarios("Only its owner can change a recipe.")
    code = render_scenario(scenario, load_spec("recipes"), module="test_owned").code
    assert "second_client.put(" in code and "client.post(" in code


def test_a_sign_in_first_makes_the_account_it_signs_in_with() -> None:
    built = scenarios("Sign in: POST /v1/sessions. No authentication required, returns a Cook.")
    sign_up, sign_in = built[0].steps
    assert sign_up.operation_id == "signUp"
    assert sign_up.body["cook"]["mail"] == sign_in.body["cook"]["mail"]
    assert sign_up.body["cook"]["secret"] == sign_in.body["cook"]["secret"]
    assert sign_in.expect.statuses == [200]


@pytest.mark.parametrize(
    ("text", "owned"),
    [
        ("Only the owner may update a recipe.", True),
        ("What one user made, another cannot read or change.", True),
        ("Another recipe with the same name cannot be created.", False),  # a recipe is made, nobody acts
        ("Only the author field is required.", False),
        ("If one of the fields is not created, the answer is 422.", False),
    ],
)
def test_only_claims_about_identities_are_read_as_ownership(text: str, owned: bool) -> None:
    assert is_ownership(text, Lexicon(load_spec("recipes"))) is owned
