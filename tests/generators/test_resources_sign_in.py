"""Envelopes, parents made first, one value per creation, and sign-ins that name existing accounts."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from generators.api.codegen import render_scenario
from generators.api.offline import OfflineApiGenerator, with_run_time_data
from generators.api.planner import Planner, authenticates
from generators.api.resources import find_resources
from vocabulary.api_model import ApiModel, Operation, Parameter, RequestBody, ResponseSpec
from vocabulary.claims import Credential, Expectation, FieldCheck, Ref, Scenario, Step, Unique


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


_TEXT = {"type": "string", "maxLength": 40}
_PLAYER = _object(email={"type": "string", "format": "email"}, handle=_TEXT, password={"type": "string"})
_SIGNED_IN = _object(player=_object(email={"type": "string"}, handle=_TEXT, token={"type": "string"}))
_TOURNAMENT = _object(tournament=_object(slug={"type": "string"}, title=_TEXT, rounds={"type": "integer"}))


def _json(schema: dict[str, Any]) -> RequestBody:
    return RequestBody(content_type="application/json", schema=schema)


def _slug() -> list[Parameter]:
    return [Parameter(name="slug", location="path", required=True, schema={"type": "string"})]


def _api() -> ApiModel:
    tournament = _object(tournament=_object(title=_TEXT))
    operations = [
        Operation(operation_id="signUp", method="post", path="/players", request_body=_json(_object(
            player=_PLAYER)), responses=[ResponseSpec(status="201", schema=_SIGNED_IN)]),
        Operation(operation_id="signIn", method="post", path="/players/sign-in", request_body=_json(_object(
            player=_object(email={"type": "string", "format": "email"}, password={"type": "string"}))),
            responses=[ResponseSpec(status="200", schema=_SIGNED_IN), ResponseSpec(status="401"),
                       ResponseSpec(status="422")]),
        Operation(operation_id="createTournament", method="post", path="/tournaments/",
                  request_body=_json(tournament), responses=[ResponseSpec(status="201", schema=_TOURNAMENT)]),
        Operation(operation_id="readTournament", method="get", path="/tournaments/{slug}/",
                  parameters=_slug(), responses=[ResponseSpec(status="200", schema=_TOURNAMENT)]),
        Operation(operation_id="joinTournament", method="post", path="/tournaments/{slug}/entries",
                  parameters=[Parameter(name="slug", location="path", required=True, example="spring-open",
                                        schema={"type": "string"})],
                  responses=[ResponseSpec(status="200", schema=_TOURNAMENT)]),
    ]  # fmt: skip
    return ApiModel(title="Chess club", openapi_version="3.1.0", source="club.json", base_url="http://x",
                    operations=operations)  # fmt: skip


def _scenario(*steps: Step) -> Scenario:
    return Scenario(name="test_it", title="t", feature="players", story="s", category="lifecycle",
                    steps=list(steps))  # fmt: skip


def test_the_id_of_an_enveloped_item_is_found_inside_the_envelope_by_the_path_parameter() -> None:
    [resource] = find_resources(_api())
    assert (resource.item_path, resource.id_param, resource.id_pointer) == (
        "/tournaments/{slug}/", "slug", "/tournament/slug"
    )  # fmt: skip
    assert resource.key_pointer == "/slug"  # a list holds its items without the envelope
    api = _api()
    for operation in api.operations:
        operation.path = operation.path.replace("{slug}", "{tournamentSlug}")
    assert find_resources(api)[0].id_pointer == "/tournament/slug"


def test_a_call_under_an_item_makes_the_item_first_even_behind_a_trailing_slash() -> None:
    planner = Planner(_api())
    join = planner.api.operation("joinTournament")
    assert join is not None
    happy = planner.happy_path(join)
    assert happy is not None
    made, call = happy.steps
    assert (made.operation_id, made.save_as) == ("createTournament", "parent_slug")
    assert call.path_params == {"slug": Ref(step="parent_slug", pointer="/tournament/slug")}


def test_sign_in_calls_are_told_from_creations() -> None:
    api = _api()
    found = {op.operation_id: authenticates(api, op) for op in api.operations}
    assert found == {"signUp": False, "signIn": True, "createTournament": False, "readTournament": False,
                     "joinTournament": False}  # fmt: skip
    # A password sent for a token, answered 200 rather than 201 Created, is a sign-in whatever its name.
    token = Operation(operation_id="openDoor", method="post", path="/doors", request_body=_json(_object(
        handle=_TEXT, passphrase={"type": "string"})), responses=[ResponseSpec(status="200", schema=_object(
            jwt={"type": "string"}))])  # fmt: skip
    assert authenticates(api, token)


def test_a_sign_in_is_not_sent_at_its_bounds_and_says_why() -> None:
    planner = Planner(_api())
    sign_in = planner.api.operation("signIn")
    assert sign_in is not None
    assert planner.boundaries(sign_in) is None
    assert [(s.operation_id, s.oracle) for s in planner.skipped] == [("signIn", "boundary values accepted")]


def test_a_sign_in_names_the_configured_identity_or_the_account_the_test_made() -> None:
    api = _api()
    credentials = {"player": {"email": "kasparov@example.com", "password": "Queen-side1"}}
    granted = Expectation(statuses=[200])
    sign_in = Step(operation_id="signIn", title="sign in", body=credentials, expect=granted)
    alone = with_run_time_data(_scenario(sign_in), api)
    assert alone.steps[0].body == {"player": {"email": Credential(kind="username"),
                                              "password": Credential(kind="password")}}  # fmt: skip
    code = render_scenario(alone, api, module="test_players.py")
    assert 'credential("username")' in code.code and "from unique import credential" in code.imports
    account = {"player": {**credentials["player"], "handle": "rook"}}
    sign_up = Step(operation_id="signUp", title="sign up", body=account, expect=Expectation(statuses=[201]))
    wrong = sign_in.model_copy(update={"body": {"player": {"email": "nobody@example.com", "password": "x"}},
                                       "expect": Expectation(statuses=[401])})  # fmt: skip
    made = with_run_time_data(_scenario(sign_up, sign_in, wrong), api)
    [signed_up, signed_in, refused] = [step.body["player"] for step in made.steps]
    assert isinstance(signed_up["email"], Unique) and signed_in["email"] == signed_up["email"]
    assert signed_in["password"] == "Queen-side1"  # the password the test's own account got
    assert refused == {"email": "nobody@example.com", "password": "x"}  # a refusal needs no account


def test_each_creation_of_a_test_gets_its_own_value_and_read_backs_compare_with_it() -> None:
    api = _api()
    body = {"tournament": {"title": "Spring open"}}
    create = Step(operation_id="createTournament", title="c", body=body, expect=Expectation(statuses=[201]))
    check = FieldCheck(pointer="/tournament/title", op="==", value="Spring open")
    read = Step(operation_id="readTournament", title="r", path_params={"slug": "x"},
                expect=Expectation(statuses=[200], fields=[check]))  # fmt: skip
    refused = create.model_copy(update={"expect": Expectation(statuses=[422])})
    made = with_run_time_data(_scenario(create, create, read, refused), api)
    first, second, again = [made.steps[n].body["tournament"]["title"] for n in (0, 1, 3)]
    assert first == Unique(example="Spring open", max_length=40)
    assert second == first.model_copy(update={"step": 2})
    assert made.steps[2].expect.fields[0].value == second  # the read-back names the latest creation
    assert again == second  # a step expecting a refusal repeats a value on purpose (a duplicate)
    assert 'unique("Spring open", max_length=40, step=2)' in render_scenario(made, api, module="m.py").code


def test_markers_the_planner_shares_between_steps_keep_one_value() -> None:
    shared = {"tournament": {"title": Unique(example="Spring open")}}
    create = Step(operation_id="createTournament", title="c", body=shared, expect=Expectation(statuses=[201]))
    made = with_run_time_data(_scenario(create, create), _api())
    assert made.steps[0].body == made.steps[1].body == shared


@pytest.fixture
def helper(tmp_path: Path) -> Iterator[ModuleType]:
    """The suite's unique.py, loaded as a generated suite would load it."""
    source = OfflineApiGenerator().generate(_api(), []).support_files["unique.py"]
    (tmp_path / "unique.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("unique", tmp_path / "unique.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("unique", None)


def test_run_time_values_differ_by_creation_step_and_credentials_come_from_the_identity(
    helper: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "test_a.py::test_one (call)")
    first = helper.unique("Spring open")
    assert first == helper.unique("Spring open") != helper.unique("Spring open", step=2)
    monkeypatch.setenv("TESTOPS_API_USERNAME", "karpov@example.com")
    assert helper.credential("username") == "karpov@example.com"
    monkeypatch.delenv("TESTOPS_API_PASSWORD", raising=False)
    with pytest.raises(pytest.skip.Exception, match="TESTOPS_API_PASSWORD"):
        helper.credential("password")
