"""Hybrid UI generation: the offline reader first, the LLM for the requirements it leaves uncovered or broken.

An uncovered requirement goes to the LLM with the page's accessibility snapshot and what reconnaissance saw
its interactions do. The answer is the UI reader's own representation (vocabulary.claims.Reading:
actions and expectations, in order) through structured output, and the offline planner grounds it in the
page and renders it; only a requirement those beats cannot say gets code, as plain text. A BROKEN test the
offline repair cannot fix goes back with its code, its error and the page's snapshot when it failed.
"""

from __future__ import annotations

import dataclasses
import types
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, Field, create_model

from generators.base import GeneratedSuite
from generators.llm.client import LlmSession, LlmUnavailable
from generators.llm.hybrid import code_test, with_uncovered_filled
from generators.llm.prompts import UI_CLAIM, UI_CODE, UI_REPAIR
from generators.llm.repair import repaired_by_llm
from generators.llm.source import marked_as_llm_made
from generators.ui import phrases as p
from generators.ui.codegen import render
from generators.ui.offline import OfflineUiGenerator
from generators.ui.page_facts import PageFacts, snake
from generators.ui.requirements import Uncovered, function_name
from vocabulary import claims
from vocabulary.artefacts import (
    GeneratedTest,
    Requirement,
    ValidationResult,
    Verdict,
)
from vocabulary.page_model import Interaction, PageModel

# What of a page a prompt quotes at most, in characters: the snapshot is the grounding, the interactions its
# notes. Generation cuts the snapshot further, to what the token cap leaves.
SNAPSHOT_CHARS = 8_000
_INTERACTION_CHARS = 4_000
_NAME_CHARS = 60
# The field naming a beat's class ("kind" is taken: Click and Subject have one of their own).
_TAG = "beat"
_READING_CLASSES = (*get_args(claims.Action), *get_args(claims.Outcome), claims.Expect, claims.Subject)


@cache
def _wire(cls: type) -> type[BaseModel]:
    """A pydantic twin of one reading dataclass; beats carry `beat` (the class name) to tell them apart."""
    hints = get_type_hints(cls)
    fields: dict[str, Any] = {}
    if cls is not claims.Subject:
        fields[_TAG] = (Literal[cls.__name__], ...)
    for field in dataclasses.fields(cls):
        default = ... if field.default is dataclasses.MISSING else field.default
        fields[field.name] = (_wire_type(hints[field.name]), default)
    # A dataclass without a docstring gets its signature as one, which the schema need not repeat.
    doc = None if (cls.__doc__ or "").startswith(f"{cls.__name__}(") else cls.__doc__
    return create_model(cls.__name__, __doc__=doc, **fields)


def _wire_type(annotation: Any) -> Any:
    """The field type with reading dataclasses replaced by their twins, unions of beats tagged."""
    if dataclasses.is_dataclass(annotation):
        return _wire(annotation)  # type: ignore[arg-type]
    if get_origin(annotation) in (Union, types.UnionType):
        members = get_args(annotation)
        tagged = [m for m in members if dataclasses.is_dataclass(m)]
        if not tagged:
            return annotation
        wired = tuple(_wire(m) for m in tagged)
        union: Any = wired[0] if len(wired) == 1 else Annotated[Union[wired], Field(discriminator=_TAG)]  # noqa: UP007
        return union | None if type(None) in members else union
    return annotation


@cache
def ui_claim_schema() -> type[BaseModel]:
    """The structured answer for a UI requirement: its beats, or why beats cannot say it."""
    beat = Annotated[
        Union[tuple(_wire(c) for c in (*get_args(claims.Action), claims.Expect))],  # noqa: UP007
        Field(discriminator=_TAG),
    ]
    return create_model(
        "UiClaimReply",
        __doc__="The requirement as actions and expectations in the order they happen, or why it cannot be.",
        expressible=(bool, ...),
        title=(str, ""),
        beats=(list[beat], Field(default_factory=list)),  # type: ignore[valid-type]
        reason=(str, ""),
    )


def reading_of(beats: list[BaseModel]) -> claims.Reading:
    """The reader's Reading from the structured answer's beats."""
    return claims.Reading(beats=tuple(_dataclass(beat) for beat in beats))


def wire_reply(reading: claims.Reading, *, title: str = "") -> dict[str, Any]:
    """A Reading as the structured answer an LLM gives for it (what the scripted endpoint replies)."""
    return {"expressible": True, "title": title, "beats": [_wire_value(b) for b in reading.beats]}


def _dataclass(value: Any) -> Any:
    if not isinstance(value, BaseModel):
        return value
    cls = next(c for c in _READING_CLASSES if c.__name__ == type(value).__name__)
    return cls(**{f.name: _dataclass(getattr(value, f.name)) for f in dataclasses.fields(cls)})


def _wire_value(value: Any) -> Any:
    if not dataclasses.is_dataclass(value):
        return list(value) if isinstance(value, tuple) else value
    fields = {f.name: _wire_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return fields if isinstance(value, claims.Subject) else {_TAG: type(value).__name__, **fields}


def interactions_text(page: PageModel) -> str:
    """What reconnaissance did on the page and what each action changed, one line each."""
    lines = [_interaction_line(i) for i in page.interactions]
    lines += [f"- {state.purpose}: reached {state.page.final_url}" for state in page.reached]
    text = "\n".join(lines) or "nothing"
    return text if len(text) <= _INTERACTION_CHARS else text[:_INTERACTION_CHARS] + "\n…"


def _interaction_line(interaction: Interaction) -> str:
    done = f"{interaction.action} {interaction.target}"
    if interaction.values:
        done += " with " + ", ".join(f"{k} = {v!r}" for k, v in interaction.values.items())
    if interaction.path:
        done = "after " + ", ".join(f"{s.action} {s.target}" for s in interaction.path) + ": " + done
    changes = [
        *(f"shows {t!r}" for t in interaction.appeared_texts),
        *(f"no longer shows {t!r}" for t in interaction.disappeared_texts),
        *interaction.state_changes,
        *([f"goes to {interaction.url_after}"] if interaction.url_after != interaction.url_before else []),
        *(f"dialog {d!r}" for d in interaction.dialogs),
    ]
    return f"- {done} → {'; '.join(changes) or 'nothing visible changed'}"


def snapshot_text(snapshot: str, limit: int = SNAPSHOT_CHARS) -> str:
    """The snapshot for a prompt: whole lines, at most `limit` characters."""
    if not snapshot.strip():
        return "(none taken)"
    if len(snapshot) <= limit:
        return snapshot
    marker = "\n… (the rest cut to keep the prompt under its token cap)"
    return snapshot[: max(limit - len(marker), 0)].rpartition("\n")[0] + marker


class HybridUiGenerator:
    """The offline UI generator, with an LLM session for the requirements and repairs it cannot do."""

    def __init__(self, session: LlmSession, offline: OfflineUiGenerator | None = None) -> None:
        self.session = session
        self.offline = offline or OfflineUiGenerator()

    def generate(self, page: PageModel, requirements: list[Requirement]) -> GeneratedSuite:
        return with_uncovered_filled(
            self.offline.generate(page, requirements), requirements, self.session,
            lambda requirement, reason, tests: self._covered(requirement, reason, page, requirements, tests),
        )

    def repair(
        self, test: GeneratedTest, result: ValidationResult, page: PageModel, requirements: list[Requirement]
    ) -> GeneratedTest | None:
        """The offline repair first (the next checked locator); then the LLM. A FINDING is never sent."""
        if result.verdict is not Verdict.BROKEN:
            return None
        if test.origin == "offline" and (repaired := self.offline.repair(test, result, page, requirements)):
            return repaired
        # The requirement's quoted texts a check looks for must survive a fixed locator.
        quoted = {q for r in requirements if r.requirement_id in test.requirement_ids for q in _quotes(r)}
        origin = PageFacts(page).origin  # paths, not URLs, as in generation: the port stays out of the key
        snapshot = snapshot_text(result.page_snapshot).replace(origin, "")
        located = result.model_copy(update={"message": result.message.replace(origin, "")})
        return repaired_by_llm(self.session, UI_REPAIR, test, located, quoted=quoted, snapshot=snapshot)

    def _covered(
        self,
        requirement: Requirement,
        reason: str,
        page: PageModel,
        requirements: list[Requirement],
        tests: list[GeneratedTest],
    ) -> GeneratedTest | None:
        """A test for an uncovered requirement: through the reading, else as code; None falls back."""
        facts = PageFacts(page)
        # Paths, not URLs: where the site is served (a port) must not change the prompt, nor its cache key.
        fields = {
            "requirement_id": requirement.requirement_id,
            "requirement": requirement.text,
            "reason": reason or "not said",
            "path": facts.path,
            "snapshot": "",
            "interactions": interactions_text(page).replace(facts.origin, ""),
        }
        # The snapshot is cut to what the token cap leaves beside the rest and the response schema.
        room = self.session.room(UI_CLAIM, ui_claim_schema(), **fields)
        fields["snapshot"] = snapshot_text(page.aria_snapshot.replace(facts.origin, ""), room)
        try:
            claim: Any = self.session.structured(UI_CLAIM, ui_claim_schema(), node="generation", **fields)
            if claim.expressible:
                return self._planned(reading_of(claim.beats), requirement, page, requirements, tests)
            name = _free_name(requirement, claim.title, tests)
            code = self.session.code(UI_CODE, node="generation", function_name=name, **fields)
        except LlmUnavailable as unavailable:
            self.session.fell_back(f"{requirement.requirement_id} (generation)", str(unavailable))
            return None
        module = f"test_llm_{snake(requirement.requirement_id)}.py"
        return code_test(code, requirement, name, module=module, test_type="ui")

    def _planned(
        self,
        reading: claims.Reading,
        requirement: Requirement,
        page: PageModel,
        requirements: list[Requirement],
        tests: list[GeneratedTest],
    ) -> GeneratedTest:
        """The offline planner's test for the LLM's reading, grounded in the page as the reader's are."""
        if not reading.beats:
            raise LlmUnavailable("the LLM's reading has no beats")
        scenario = self.offline.plan_reading(page, requirement, reading, requirements)
        if isinstance(scenario, Uncovered):
            raise LlmUnavailable(f"the LLM's reading is {scenario.reason}")
        taken = {t.name for t in tests if t.module == scenario.module}
        scenario.name = _unique(scenario.name, taken)
        test = render(scenario)
        return test.model_copy(update={"code": marked_as_llm_made(test.code), "origin": "llm"})


def _quotes(requirement: Requirement) -> tuple[str, ...]:
    return p.mask(requirement.text).quotes


def _free_name(requirement: Requirement, title: str, tests: list[GeneratedTest]) -> str:
    """test_<requirement id>_<title>, with a number on the end if a test of that name exists."""
    base = f"test_{snake(requirement.requirement_id)}_{snake(title or requirement.text)}"[:_NAME_CHARS]
    return _unique(base.rstrip("_") or function_name(requirement.text), {t.name for t in tests})


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}_{number}", number + 1
    return candidate
