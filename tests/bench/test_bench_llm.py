"""The LLM benchmark: its worst-case bound, its scripted replies, and a quick run's bars and figures."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console

from bench import llm
from generators.llm.api import ClaimReply, OperationChoice
from generators.llm.config import LlmConfig
from generators.llm.ui import reading_of, ui_claim_schema
from vocabulary import claims


def test_the_worst_ask_waits_out_every_try_and_every_backoff(tmp_path: Path) -> None:
    config = LlmConfig(base_url="http://127.0.0.1:9/v1", api_key=SecretStr("k"), model="m", timeout_s=5.0,
                       max_retries=2, retry_backoff_s=0.5, cache_dir=tmp_path)  # fmt: skip
    # 3 reply tries, each of 3 transport tries of 5 s with the client's 0.5 s + 1 s between, then ours.
    assert llm.worst_ask_seconds(config) == 3 * (3 * 5.0 + 0.5 + 1.0) + (0.5 + 1.0)


def test_the_scripted_reply_picks_a_listed_operation_and_calls_it() -> None:
    choose = {
        "response_format": {"json_schema": {"name": "OperationChoice"}},
        "messages": [{"role": "user", "content": "Requirement R1: Tags can be listed.\n\nOperations (id: "
                      "METHOD path: summary):\ngetUser: GET /users/{id}: One user\nlistTags: GET /tags: "
                      "List tags\ncreateTag: POST /tags: Create a tag\n"}],
    }  # fmt: skip
    choice = OperationChoice.model_validate_json(llm.scripted_reply(choose).content)
    assert choice.operation_ids == ["listTags"]
    excerpt = {"operations": [{"operation_id": "listTags", "responses": [{"status": "200"}]}]}
    claim = {
        "response_format": {"json_schema": {"name": "ClaimReply"}},
        "messages": [{"role": "user", "content": f"Spec excerpt (the operations):\n{json.dumps(excerpt)}\n"}],
    }
    reply = ClaimReply.model_validate_json(llm.scripted_reply(claim).content)
    assert reply.expressible
    assert [(s.operation_id, s.expect.statuses) for s in reply.steps] == [("listTags", [200])]


def test_the_scripted_ui_reply_shows_the_first_heading_of_the_snapshot() -> None:
    claim = {
        "response_format": {"json_schema": {"name": "UiClaimReply"}},
        "messages": [{"role": "user", "content": "Requirement R1: It greets.\n\nThe page /login, its "
                      'accessibility snapshot:\n- main:\n  - heading "Sign in" [level=1]\n'}],
    }  # fmt: skip
    reply = ui_claim_schema().model_validate_json(llm.scripted_reply(claim).content)
    assert reading_of(reply.beats) == claims.Reading(beats=(claims.Expect(claims.ShowsText("Sign in")),))


def test_a_quick_run_keeps_the_offline_scores_with_garbage_and_counts_scripted_tokens(tmp_path: Path) -> None:
    result = llm.run(quick=True, work_dir=tmp_path, earlier={})
    [target] = result.targets
    runs = {run.mode: run for run in target.runs}
    assert set(runs) == set(llm.MODES) and all(run.status == "completed" for run in runs.values())
    assert target.garbage_keeps_scores and target.garbage_within_retries
    assert runs["offline"].llm_calls == 0 and runs["offline"].caught
    # The sample leaves requirements to the LLM; garbage makes each fall back, scripted replies cover them.
    assert target.uncovered_offline > 0
    assert all(runs[mode].fallbacks for mode in llm.GARBAGE_MODES)
    assert runs["scripted"].requirements_covered > runs["offline"].requirements_covered
    assert target.tokens_per_uncovered and target.tokens_per_uncovered > 0
    console = Console(width=150, record=True)
    for renderable in llm.render(result):
        console.print(renderable)
    assert "tokens per uncovered requirement" in console.export_text()
