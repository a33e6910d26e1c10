"""The robustness benchmark: its corpus reading, its page targets, its wording-gap figure, and the quick
run's JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from bench.mutation import VariantRun
from bench.page_robustness import QUICK_PAGE_TARGETS, PageTarget, PipelineInput, SamplePage
from bench.robustness import (
    BASELINE,
    QUICK_STYLES,
    SPEC_ONLY,
    CorpusText,
    RowResult,
    TextResult,
    bundled_texts,
    failed_tests_by_variant,
    load_corpus,
    style_texts,
    variant_plan,
    wording_gap,
)
from samples.pages import BUGGY_VARIANTS, HARMLESS_VARIANTS, REQUIREMENTS


def _entry(ident: str, style: str, base: str | None, kills: list[str]) -> CorpusText:
    text = f"the greenhouse vents open ({ident})"
    return CorpusText(id=ident, base=base, style=style, text=text, kills=kills)


def _row(row: str, covered: list[bool], honoured: int, kills: int) -> RowResult:
    texts = [
        TextResult(id=f"{row}.{i}", requirement_id=f"R{i}", text=None, tests=[], covered=c, claimed_covered=c,
                   reason="", kills=[], kills_honoured=[], kills_missed=[])
        for i, c in enumerate(covered, start=1)
    ]  # fmt: skip
    return RowResult(target="greenhouse", row=row, status="completed", generation_s=1.0, tests_delivered=3,
                     texts=texts, covered=sum(covered), claimed_covered=sum(covered), kill_union=[],
                     caught=[], caught_by_requirements=[], buggy_caught=0, buggy_total=0, kills_total=kills,
                     kills_honoured=honoured, false_alarms=[], variants=[])  # fmt: skip


def test_a_style_takes_its_paraphrases_then_its_new_requirements(tmp_path: Path) -> None:
    corpus = [
        _entry("g.N1.spec", "spec", None, ["vents_stuck"]),
        _entry("g.R1.spec", "spec", "Vents open at 30 degrees.", []),
        _entry("g.R1.plain", "plain", "Vents open at 30 degrees.", []),
    ]
    assert [t.id for t in style_texts(corpus, "spec")] == ["g.R1.spec", "g.N1.spec"]
    assert style_texts(corpus, "spec")[1].kills == ["vents_stuck"]
    assert load_corpus(tmp_path / "absent.json") is None


def test_a_sample_page_offers_the_benchmark_what_a_sample_api_does() -> None:
    page = PageTarget("login").load()
    assert isinstance(page, SamplePage)
    assert [v.value for v in page.BUGGY_VARIANTS] == list(BUGGY_VARIANTS["login"])
    assert [v.value for v in page.HARMLESS_VARIANTS] == list(HARMLESS_VARIANTS["login"])
    assert page.load_requirements() == REQUIREMENTS["login"] and page.SUITE_ENVIRONMENT == {}
    # The suite is generated from the page's URL, as a user hands it over; recon finds the base URL.
    assert PageTarget("login").pipeline_input(page, "http://127.0.0.1:9") == PipelineInput(
        "ui", "http://127.0.0.1:9/login", ""
    )
    with page.serve(page.Variant("password_visible")) as base_url:
        assert 'type="text"' in httpx.get(f"{base_url}/login").text
    assert "nowhere" in str(PageTarget("nowhere").load())


def test_a_pages_quick_plan_is_the_control_one_buggy_and_one_harmless_variant() -> None:
    [target] = QUICK_PAGE_TARGETS
    page = target.load()
    assert isinstance(page, SamplePage)
    plan = [(v.value, kind) for v, kind in variant_plan(target, page, quick=True)]
    buggy, harmless = BUGGY_VARIANTS[target.name], HARMLESS_VARIANTS[target.name]
    assert plan == [("correct", "control"), (buggy[0], "buggy"), (harmless[0], "harmless")]
    assert len(variant_plan(target, page, quick=False)) == 1 + len(buggy) + len(harmless)
    # A bundled text takes the kills of the corpus's paraphrases of it.
    corpus = [_entry("p.R1.spec", "spec", REQUIREMENTS[target.name][0], [buggy[0]])]
    texts = bundled_texts(page, corpus)
    assert [t.kills for t in texts[:2]] == [[buggy[0]], None]


def test_a_ui_tests_browser_parameter_names_no_other_test() -> None:
    failed = ["test_sign_in.py::test_masks[chromium]", "test_api.py::test_list"]
    run = VariantRun(variant="password_visible", kind="buggy", exit_code=1, seconds=1.0, failed_tests=failed,
                     caught=True, false_alarm=False, caught_by="spec", requirement_only=False)  # fmt: skip
    assert failed_tests_by_variant([run]) == {
        "password_visible": {"test_sign_in.py::test_masks", "test_api.py::test_list"}
    }


def test_the_wording_gap_is_the_worst_style_below_the_bundled_rows() -> None:
    baseline = _row(BASELINE, [True, True], honoured=2, kills=2)
    # A bundled text the corpus does not paraphrase (kills unknown) does not count against the baseline.
    baseline.texts.append(baseline.texts[0].model_copy(update={"covered": False, "kills": None}))
    rows = [baseline, _row("story", [True, False], 2, 2), _row("spec", [True, True], 1, 2)]
    gap = wording_gap(rows)
    assert gap is not None and gap.baseline_covered_pct == 100.0
    assert (gap.worst_covered_style, gap.covered_gap_points) == ("story", 50.0)
    assert (gap.worst_kills_style, gap.kills_gap_points) == ("spec", 50.0)
    assert gap.met is False
    assert wording_gap([baseline]) is None


def test_quick_robustness_benchmark_writes_its_json(tmp_path: Path) -> None:
    # About 2 min on a quiet machine (the login page's row ~45 s); the limit leaves room for a busy one.
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "robustness", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert {p.name for p in tmp_path.iterdir()} == {"robustness.json", "latest.json"}
    result = json.loads((tmp_path / "robustness.json").read_text())["robustness"]
    assert result["quick"] is True and result["styles"] == list(QUICK_STYLES)
    targets = {t["target"]: t for t in result["targets"]}
    tasks = targets["tasks_api"]
    assert tasks["skipped"] == "" and "correct" in tasks["variants_run"]
    styles = [] if tasks["corpus_skipped"] else list(QUICK_STYLES)
    assert [row["row"] for row in tasks["rows"]] == [BASELINE, *styles, SPEC_ONLY]
    for row in tasks["rows"]:
        assert row["status"] == "completed" and row["tests_delivered"] > 0
        assert [v["variant"] for v in row["variants"]] == tasks["variants_run"]
        assert {
            "covered",
            "claimed_covered",
            "kill_union",
            "caught",
            "caught_by_requirements",
            "buggy_caught",
            "kills_total",
            "kills_honoured",
            "false_alarms",
            "generation_s",
        } <= set(row)
        text_keys = {"id", "requirement_id", "tests", "covered", "reason", "kills", "kills_honoured"}
        assert all(text_keys <= set(text) for text in row["texts"])
    assert tasks["rows"][-1]["texts"] == []
    if styles:
        assert {"covered_gap_points", "kills_gap_points", "met"} <= set(tasks["gap"])
    if tasks["schemathesis"] is not None:
        side = tasks["schemathesis"]
        assert {r["variant"] for r in side["runs"]} <= set(tasks["variants_run"])
        assert {"caught", "testops_caught", "time_ratio", "schemathesis_correct_s"} <= set(side)
    # One API and one page; one style, no spec-only row on the page; the same row shape as the APIs'.
    [page_target] = QUICK_PAGE_TARGETS
    assert set(targets) == {"tasks_api", page_target.name}
    page = targets[page_target.name]
    assert page["skipped"] == "" and page["schemathesis"] is None and page["gap"] is None
    assert page["variants_run"][0] == "correct" and len(page["variants_run"]) == 3
    assert [row["row"] for row in page["rows"]] == ([] if page["corpus_skipped"] else list(QUICK_STYLES))
    for row in page["rows"]:
        assert row["status"] == "completed" and row["target"] == page_target.name
        assert [v["variant"] for v in row["variants"]] == (
            page["variants_run"] if row["tests_delivered"] else []
        )
        assert set(tasks["rows"][0]) == set(row) and row["buggy_total"] == 1
        assert all(text["text"] is None and text["kills"] is not None for text in row["texts"])
