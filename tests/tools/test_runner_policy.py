"""A generated suite validated under the service's policy reaches only what the policy admits.

The suite runs in the real contained subprocess; its requests go to real servers on loopback: 127.0.0.1 is
the allowed target, 127.0.0.2 (loopback too, never allowed) the inner address no request may reach, not by
a direct call, a redirect, nor a client built to ignore the proxy variables.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generators.base import GeneratedSuite
from samples.tasks_api import app as sample
from tests.generators.sample_runs import generated_sample_suite
from tests.tools.policy_servers import Hits, PolicyHandler, inner_and_outer
from tools.runner import TestRun, classify, run_suite, validate_suite, write_suite
from tools.target_policy import EMBEDDED_POLICY, TargetPolicy
from vocabulary.artefacts import Verdict


class _Handler(PolicyHandler):
    """/away: a redirect to the inner server; anything else: 200 "ok". HTTP/1.1: connections kept alive."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        inner_url = self.noted()
        if self.path == "/away":
            self.answer(302, b"ok", Location=f"{inner_url}/secret")
        else:
            self.answer(200, b"ok")


inner, outer = inner_and_outer(_Handler)


SUITE = """
import asyncio
import os

import httpx

TARGET = os.environ["TESTOPS_BASE_URL"]
INNER = os.environ["INNER_URL"]


def test_the_target():
    assert httpx.get(f"{TARGET}/ok", timeout=5).text == "ok"


def test_one_client_many_calls():
    with httpx.Client(base_url=TARGET, timeout=5) as client:
        for number in range(40):
            assert client.get(f"/ok/{number}").text == "ok"


def test_an_inner_address():
    httpx.get(f"{INNER}/direct", timeout=5)


def test_a_redirect_inside():
    httpx.get(f"{TARGET}/away", follow_redirects=True, timeout=5)


def test_a_client_that_ignores_the_proxy_variables():
    with httpx.Client(trust_env=False, timeout=5) as client:
        client.get(f"{INNER}/untrusting")


async def _get_async():
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        await client.get(f"{INNER}/async")


def test_an_async_client():
    asyncio.run(_get_async())


def test_https_to_an_inner_address():
    httpx.get(INNER.replace("http://", "https://") + "/tunnel", timeout=5)
"""


async def _verdicts(directory: Path, policy: TargetPolicy, inner_url: str, target: str) -> dict[str, TestRun]:
    directory.mkdir()
    (directory / "test_calls.py").write_text(textwrap.dedent(SUITE).lstrip(), encoding="utf-8")
    env = {"TESTOPS_BASE_URL": target, "INNER_URL": inner_url}
    runs = await run_suite(directory, workers=1, env=env, policy=policy, timeout_s=20)
    return {test_id.split("::")[1]: run for test_id, run in runs.items()}


async def test_service_validation_reaches_no_inner_address(
    tmp_path: Path, outer: tuple[str, Hits], inner: tuple[str, Hits]
) -> None:
    target, target_hits = outer
    inner_url, inner_hits = inner
    port = target.rsplit(":", 1)[1]
    before = len(inner_hits.paths)

    runs = await _verdicts(tmp_path / "suite", TargetPolicy.service([f"127.0.0.1:{port}"]), inner_url, target)

    assert classify(runs.pop("test_the_target")) is Verdict.PASSED
    assert classify(runs.pop("test_one_client_many_calls")) is Verdict.PASSED  # one request a connection
    assert "/ok" in target_hits.paths
    for name, run in runs.items():
        assert classify(run) is Verdict.BROKEN, (name, run)
        assert "127.0.0.2 is a loopback address" in run.message, (name, run.message)
    assert inner_hits.paths[before:] == []  # refused before any connection


async def test_embedded_validation_is_not_proxied(
    tmp_path: Path, outer: tuple[str, Hits], inner: tuple[str, Hits]
) -> None:
    inner_url, inner_hits = inner
    before = len(inner_hits.paths)

    runs = await _verdicts(tmp_path / "suite", EMBEDDED_POLICY, inner_url, outer[0])

    assert classify(runs["test_an_inner_address"]) is Verdict.PASSED
    assert classify(runs["test_a_redirect_inside"]) is Verdict.PASSED
    assert {"/direct", "/secret"} <= set(inner_hits.paths[before:])


@pytest.fixture(scope="module")
def sample_suite() -> GeneratedSuite:
    return generated_sample_suite(safe=False)


async def test_a_whole_generated_suite_validates_through_the_guard_as_without_it(
    tmp_path: Path, sample_suite: GeneratedSuite
) -> None:
    """The sample's suite against the correct sample API, allowed by name: every test passes as it does
    unguarded (one request a connection, bodies, redirects and keep-alive clients included)."""
    suite = sample_suite
    write_suite(tmp_path, suite.tests, suite.support_files)
    with sample.serve(sample.Variant.CORRECT) as url:
        env = {**sample.SUITE_ENVIRONMENT, "TESTOPS_BASE_URL": url}
        policy = TargetPolicy.service([url.removeprefix("http://")])
        results = await validate_suite(tmp_path, suite.tests, env=env, policy=policy, workers=2)

    assert [(r.test_id, r.message) for r in results if r.verdict is not Verdict.PASSED] == []
