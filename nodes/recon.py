"""Reconnaissance: learn the target before writing a single test."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from langgraph.runtime import Runtime

from generators.ui.requirements import known_values
from graph.context import Context, RunOptions
from graph.state import State
from storage.engine import migrate, session_scope
from storage.repository import create_request
from tools.browser import BrowserConfig, BrowserSession
from tools.openapi import reconnoitre_api
from tools.page_recon import Credentials, reconnoitre_page, validate_page_url
from tools.target_policy import TargetPolicy
from vocabulary.artefacts import number_requirements
from vocabulary.page_model import PageModel


async def reconnaissance(state: State, runtime: Runtime[Context]) -> dict:
    """API: load and resolve the spec, check the base URL answers. UI: explore the page in Chromium.

    Every URL reached is admitted by the run's target policy first.
    """
    context = runtime.context
    policy = context.target_policy
    request_id = state.request_id or _register_request(state, context)
    if state.kind == "ui":
        # A refused page is refused before Chromium opens anything.
        await policy.admit_async(validate_page_url(state.target))
        page = await _explore(state, context, policy, request_id)
        parts = urlsplit(page.final_url or state.target)
        return {"request_id": request_id, "page": page, "base_url": f"{parts.scheme}://{parts.netloc}"}
    api = await reconnoitre_api(
        state.target, state.base_url, timeout_s=context.recon_timeout_s, policy=policy
    )
    return {"request_id": request_id, "api": api, "base_url": api.base_url}


def _register_request(state: State, context: Context) -> str:
    """Store a Request for a run started without one (LangGraph Studio), so that the run is stored, listed
    and exported like any other; the database is brought to the current schema first, as the CLI does."""
    migrate(context.database_url)
    with session_scope(context.database_url) as session:
        request = create_request(session, kind=state.kind, target=state.target, base_url=state.base_url,
                                 requirements=state.requirements,
                                 options={name: getattr(context, name) for name in RunOptions.model_fields})
        return str(request.request_id)


async def _explore(state: State, context: Context, policy: TargetPolicy, request_id: str) -> PageModel:
    """With the process's browser when the caller has one under this policy, else with one of its own.

    Credentials the requirements name let recon sign in and see what the sign-in form guards.
    """
    known = known_values(number_requirements(state.requirements))
    options = {
        "settle_timeout_ms": int(context.recon_timeout_s * 1000),
        "screenshot_dir": Path(context.workspace_dir) / request_id,
        "credentials": Credentials(known.user, known.password) if known.user else None,
        "safe": context.safe,  # a target the user does not own: nothing that removes data is tried
    }
    if context.browser is not None and context.browser.policy == policy:
        return await reconnoitre_page(context.browser, state.target, **options)
    async with BrowserSession(BrowserConfig(executable_path=context.chromium_path), policy=policy) as browser:
        return await reconnoitre_page(browser, state.target, **options)
