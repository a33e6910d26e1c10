"""Cleanup: every generated test deletes what it creates, so daily runs leave a shared target as it was."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generators.api.offline import OfflineApiGenerator
from generators.api.planner import Planner
from generators.base import GeneratedSuite
from samples.tasks_api import app as sample
from tests.generators.sample_runs import LoggedTaskTracker, generated_sample_suite, run_suite
from tests.generators.specs import load_spec
from vocabulary.artefacts import number_requirements
from vocabulary.claims import Cleanup, Expectation, Ref, Scenario, Step

_CREATION = re.compile(r'client\.post\(\s*"(?P<collection>/\w+)"')


@pytest.fixture(scope="module")
def shelter() -> GeneratedSuite:
    requirements = number_requirements(["Booking a visit answers 201.", "Admitting an animal answers 201."])
    return OfflineApiGenerator().generate(load_spec("shelter"), requirements)


def _creations_and_deletions(code: str, collection: str) -> tuple[int, int, int]:
    """How many calls may create an item of `collection`, how many of them must succeed, and how many
    deletions of what they made are set up right after them."""
    created = succeeding = 0
    for found in _CREATION.finditer(code):
        if found["collection"] == collection:
            created += 1
            status = code.index("expect_status", found.end())
            succeeding += "201" in code[status : code.index("\n", status)]
    deletion = re.compile(r'cleanup\.delete_made\(\s*\w+,\s*response,\s*"' + re.escape(collection) + "/{")
    return created, succeeding, len(deletion.findall(code))


@pytest.mark.parametrize("which", ["shelter", "sample"])
def test_every_creation_is_deleted_when_the_test_ends_even_one_expected_refused(
    shelter: GeneratedSuite, which: str
) -> None:
    """A POST a test expects refused (a negative, a missing credential) that a buggy target accepts made an
    item too: it is deleted like the others."""
    suite = shelter if which == "shelter" else generated_sample_suite(safe=False)
    collections = ["/animals"] if which == "shelter" else ["/tasks", "/projects"]
    checked = refused = 0
    for test in suite.tests:
        for collection in collections:
            created, succeeding, deleted = _creations_and_deletions(test.code, collection)
            assert created == deleted, f"{test.test_id} creates {created} {collection}, deletes {deleted}"
            checked += created
            refused += created - succeeding
    assert checked > 20 and refused >= 10


def test_a_requirement_test_deletes_what_it_created(shelter: GeneratedSuite) -> None:
    code = next(t.code for t in shelter.tests if t.requirement_ids == ["R2"])
    assert "with cleanup_after() as cleanup:" in code
    deletion = 'cleanup.delete_made(client, response, "/animals/{animalId}"'
    # Right after the call, before any check of its answer: a failing check still deletes what it made.
    assert code.index('client.post("/animals"') < code.index(deletion) < code.index("expect_status")


def test_what_no_delete_removes_is_said_in_the_test_and_the_summary(shelter: GeneratedSuite) -> None:
    stays = "creates visits and the spec has no DELETE to remove them"
    booking = {t.test_id for t in shelter.tests if re.search(r'client\.post\("/visits"', t.code)}
    made = {test_id for test_id in booking if "reject" not in test_id and "requires_auth" not in test_id}
    assert made and shelter.leaves_data == dict.fromkeys(made, stays)
    for test in shelter.tests:
        assert (f"Leaves data behind: it {stays}." in test.code) == (test.test_id in shelter.leaves_data)
    shipped = json.loads(shelter.support_files["skipped_checks.json"])
    assert {"operation_id": "bookVisit", "oracle": "cleanup",
            "reason": "no DELETE documented: items the suite creates stay"} in shipped  # fmt: skip


def test_refused_creations_are_deleted_if_made_and_ones_already_cleaned_up_are_left_as_they_are() -> None:
    planner = Planner(load_spec("shelter"))
    body = {"name": "Tom", "species": "cat"}
    refused = Step(operation_id="admitAnimal", title="refused", body=body, expect=Expectation(statuses=[422]))
    made = Step(operation_id="admitAnimal", title="made", body=body, expect=Expectation(statuses=[201]))
    scenario = Scenario(name="test_x", title="x", feature="animals", story="x", category="requirement",
                        steps=[refused, made])  # fmt: skip
    cleaned = planner.with_cleanups(scenario)
    # Not saved (no later step may read a refusal), but what a target accepting it made is deleted.
    assert cleaned.steps[0].save_as is None
    assert cleaned.steps[0].expect.cleanup == Cleanup(
        operation_id="releaseAnimal",
        path="/animals/{animalId}",
        path_params={"animalId": Ref(step="made_1", pointer="/id")},
    )
    assert cleaned.steps[1].save_as == "made_2"
    assert cleaned.steps[1].expect.cleanup == Cleanup(
        operation_id="releaseAnimal",
        path="/animals/{animalId}",
        path_params={"animalId": Ref(step="made_2", pointer="/id")},
    )
    assert planner.with_cleanups(cleaned) == cleaned


def test_the_whole_sample_suite_leaves_the_service_holding_what_it_held(tmp_path: Path) -> None:
    service = LoggedTaskTracker()
    service.seed()
    before = service.items()
    result = run_suite(generated_sample_suite(safe=False), tmp_path, service)
    assert result.returncode == 0, result.stdout[-3000:]
    assert len(service.created) > 20
    assert service.items() == before


def test_a_target_accepting_what_it_should_refuse_is_left_holding_what_it_held(tmp_path: Path) -> None:
    """Titles of any length accepted: the negatives fail as findings, and what the target made is gone."""
    service = LoggedTaskTracker(sample.Variant.TITLE_NOT_VALIDATED)
    service.seed()
    before = service.items()
    result = run_suite(generated_sample_suite(safe=False), tmp_path, service)
    failed = re.findall(r"^FAILED (\S+)", result.stdout, flags=re.M)
    assert result.returncode == 1, result.stdout[-3000:]
    assert any("rejects_title" in test_id for test_id in failed), failed
    assert service.items() == before
