"""The pipeline as a LangGraph state machine. Reads like the diagram:

reconnaissance → generation → validation ─┬─ (BROKEN tests, attempts left) → generation
                                          └─ optimization → review ─┬─ (approved or rejected) → persistence
                                                                    ├─ (requirement added) → generation
                                                                    └─ (anything else) → review, again
"""

from __future__ import annotations

from typing import Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from graph.context import Context
from graph.state import InputState, OutputState, State
from nodes.generate import generation
from nodes.optimize import optimization
from nodes.persist import persistence
from nodes.recon import reconnaissance
from nodes.review import review
from nodes.validate import validation
from vocabulary.artefacts import Verdict

NODES = ("reconnaissance", "generation", "validation", "optimization", "review", "persistence")


def route_after_validation(state: State, runtime: Runtime[Context]) -> Literal["generation", "optimization"]:
    """Back to generation while BROKEN tests remain and regeneration passes are left."""
    broken = any(r.verdict is Verdict.BROKEN for r in state.results)
    return "generation" if broken and state.attempts <= runtime.context.max_attempts else "optimization"


def route_after_review(
    state: State, runtime: Runtime[Context]
) -> Literal["persistence", "generation", "review"]:
    """Store once the reviewer decided (or nobody reviews); write tests for an added requirement; else wait
    for the reviewer again."""
    if not runtime.context.review or state.review is not None:
        return "persistence"
    return "generation" if state.new_requirements else "review"


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    """The one factory. Callers pass their checkpointer; LangGraph Studio loads it without one."""
    builder = StateGraph(State, input_schema=InputState, output_schema=OutputState, context_schema=Context)
    builder.add_node("reconnaissance", reconnaissance)
    builder.add_node("generation", generation)
    builder.add_node("validation", validation)
    builder.add_node("optimization", optimization)
    builder.add_node("review", review)
    builder.add_node("persistence", persistence)

    builder.add_edge(START, "reconnaissance")
    builder.add_edge("reconnaissance", "generation")
    builder.add_edge("generation", "validation")
    builder.add_conditional_edges("validation", route_after_validation, ["generation", "optimization"])
    builder.add_edge("optimization", "review")
    builder.add_conditional_edges("review", route_after_review, ["persistence", "generation", "review"])
    builder.add_edge("persistence", END)
    return builder.compile(checkpointer=checkpointer, name="testops-pipeline")
