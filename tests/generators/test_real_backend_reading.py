"""Requirements as a QA engineer writes them, read against a FastAPI-shaped spec (tag-prefixed operation ids,
only 200/422 documented, an OAuth2 password flow, a public registration): the made-up allotments API."""

from __future__ import annotations

import ast

from generators.api.codegen import render_scenario
from generators.api.requirements import Uncovered, plan_requirement
from tests.generators.specs import load_spec
from vocabulary.artefacts import Requirement
from vocabulary.claims import Ref, Scenario, Step


def planned(text: str) -> list[Scenario]:
    result = plan_requirement(Requirement(requirement_id="G1", text=text), load_spec("allotments"))
    assert not isinstance(result, Uncovered), result.reason
    return result


def last_steps(text: str) -> list[Step]:
    return [scenario.steps[-1] for scenario in planned(text)]


def renders(scenario: Scenario) -> None:
    ast.parse(render_scenario(scenario, load_spec("allotments"), module="test_requirements").code)


def test_a_field_ending_in_a_preposition_is_not_read_from_at_most() -> None:
    # planted_at ends in "at": "at most 3" is a bound on the page, never a check on planted_at.
    (step,) = last_steps("The plot list returns at most 3 plots when limit is 3.")
    assert [(c.pointer, c.op, c.value) for c in step.expect.fields] == [("/data", "len<=", 3)]


def test_logging_in_is_the_token_call_with_an_account_made_first() -> None:
    (scenario,) = planned("A gardener who logs in with the right password receives an access token.")
    sign_up, log_in = scenario.steps
    assert (sign_up.operation_id, log_in.operation_id) == ("gardeners-register_gardener", "auth-issue_token")
    assert log_in.body["password"] == sign_up.body["password"]
    assert [(c.pointer, c.op) for c in log_in.expect.fields] == [("/access_token", "exists")]
    assert scenario.requirement_ids == ["G1"]
    renders(scenario)


def test_a_wrong_password_at_sign_in_is_refused_with_the_stated_status() -> None:
    (scenario,) = planned("Signing in with a wrong password is turned away with 400.")
    sign_up, log_in = scenario.steps
    assert log_in.body["password"] != sign_up.body["password"]
    assert log_in.expect.statuses == [400] and log_in.auth == "none"


def test_being_logged_in_names_who_calls_not_the_login_call() -> None:
    (step,) = last_steps("Without being logged in, listing plots is refused with 401.")
    assert (step.operation_id, step.auth) == ("plots-read_plots", "none")


def test_sign_up_written_as_two_words_is_the_public_registration() -> None:
    (step,) = last_steps("At sign-up, a password under 10 characters is refused with 422.")
    assert step.operation_id == "gardeners-register_gardener"
    assert len(step.body["password"]) == 9 and step.expect.statuses == [422]


def test_signing_up_twice_repeats_the_registration() -> None:
    (scenario,) = planned("Signing up twice with the same e-mail must fail the second time with 400.")
    first, second = scenario.steps
    assert first.operation_id == second.operation_id == "gardeners-register_gardener"
    assert first.body == second.body and second.expect.statuses == [400]


def test_a_role_only_call_is_refused_to_the_plain_second_identity() -> None:
    (scenario,) = planned("Only admins may list gardeners; a plain gardener gets 403.")
    (step,) = scenario.steps
    assert (step.operation_id, step.auth, step.expect.statuses) == (
        "gardeners-read_gardeners",
        "second",
        [403],
    )
    renders(scenario)


def test_a_role_claim_on_a_call_that_needs_no_credentials_is_uncovered() -> None:
    result = plan_requirement(
        Requirement(requirement_id="G2", text="Only administrators may register new gardeners."),
        load_spec("allotments"),
    )
    assert isinstance(result, Uncovered) and "needs no credentials" in result.reason


def test_private_to_the_owner_means_others_neither_read_nor_list_it() -> None:
    steps = last_steps("Plots are private to their owner.")
    assert [(s.operation_id, s.auth) for s in steps] == [
        ("plots-read_plot", "second"),
        ("plots-read_plots", "second"),
    ]


def test_another_identitys_item_said_with_a_possessive_is_ownership() -> None:
    (step,) = last_steps("Nobody may delete another gardener's plot: the service answers 404.")
    assert (step.operation_id, step.auth, step.expect.statuses) == ("plots-delete_plot", "second", [404])


def test_a_bare_status_after_an_ownership_claim_is_its_status() -> None:
    steps = last_steps("A plain gardener cannot view or delete someone else's plot. It must answer 403.")
    assert [(s.operation_id, s.expect.statuses) for s in steps] == [
        ("plots-read_plot", [403]),
        ("plots-delete_plot", [403]),
    ]


def test_fields_the_answer_must_echo_are_sent_with_values() -> None:
    (step,) = last_steps("Creating a plot with a label and notes echoes the same label and notes.")
    # Not the null of "string or null": a service that drops the field would echo null too.
    assert isinstance(step.body["notes"], str)
    assert {(c.pointer, c.op, c.value) for c in step.expect.fields} == {
        ("/label", "==", step.body["label"]),
        ("/notes", "==", step.body["notes"]),
    }


def test_a_field_kept_by_an_update_is_the_only_one_compared_with_the_item() -> None:
    (scenario,) = planned(
        "Updating only the label of a plot changes the label and leaves the notes unchanged."
    )
    made, update = scenario.steps[0], scenario.steps[-1]
    assert [(c.pointer, c.value) for c in update.expect.fields] == [
        ("/notes", Ref(step="created", pointer="/notes"))
    ]
    assert update.body["label"] != made.body["label"]
    # The item is made with notes: a kept null would not tell an update that cleared them.
    assert isinstance(made.body["notes"], str)


def test_a_story_whose_benefit_is_logging_in_signs_up_then_logs_in() -> None:
    (scenario,) = planned(
        "As a newcomer I want to sign up with my e-mail and a password, so that I can log in right away."
    )
    sign_up, log_in = scenario.steps
    assert (sign_up.operation_id, log_in.operation_id) == ("gardeners-register_gardener", "auth-issue_token")
    assert log_in.expect.statuses == [200] and log_in.expect.fields[0].pointer == "/access_token"
