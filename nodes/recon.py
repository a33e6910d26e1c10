"""Reconnaissance: learn the target before writing a single test."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.context import Context
from graph.state import State
from tools.openapi import reconnoitre_api


async def reconnaissance(state: State, runtime: Runtime[Context]) -> dict:
    """API: load and resolve the spec, enumerate operations, check the base URL answers."""
    api = await reconnoitre_api(state.target, state.base_url, timeout_s=runtime.context.recon_timeout_s)
    return {"api": api, "base_url": api.base_url}
