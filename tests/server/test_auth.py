"""Keys, ownership and the rate limit against real servers: keys made and revoked by the `testops keys`
command, stored as digests; each key sees only its own requests; a per-key rate counted in Redis across two
server processes."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from graph.settings import Settings
from server.errors import UnavailableError
from server.keys import Caller, env_key_id, key_digest
from server.main import ConfigurationError, create_app
from server.rate_limit import KeyRateLimit
from storage.engine import session_scope
from storage.repository import create_request
from tests.e2e import stack
from tests.e2e.stack import AUTH, Server
from tests.server.conftest import LIMITED_KEYS

SPEC_URL = "http://127.0.0.1:9/openapi.json"
OTHER = {"Authorization": "Bearer second-key"}
# Every route that reads or changes one request, with what it sends.
ONE_REQUEST_ROUTES = [
    ("GET", "", None),
    ("GET", "/tests", None),
    ("GET", "/tests.zip", None),
    ("GET", "/events", None),
    ("POST", "/messages", {"message": "approve"}),
    ("GET", "/messages", None),
]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def run_testops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=False, cwd=stack.REPO)


def made_key(env: dict[str, str], name: str) -> str:
    made = run_testops(env, "keys", "create", name)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def key_id_of(env: dict[str, str], key: str) -> str:
    """The id `testops keys list` shows on the row of this key's prefix."""
    listed = run_testops(env, "keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert key not in listed.stdout  # the list shows prefixes only
    row = next(line for line in listed.stdout.splitlines() if key[:12] in line)
    return next(cell.strip() for cell in row.split("│") if len(cell.strip()) == 36)


def test_a_key_made_by_the_cli_works_and_only_its_digest_is_stored(
    client: httpx.Client, server: Server, env: dict[str, str], settings: Settings
) -> None:
    key = made_key(env, "ci pipeline")
    assert key.startswith("testops_") and len(key) > 40

    made = client.post("/api/v1/requests/api", headers=bearer(key), json={"openapi_url": SPEC_URL})
    assert made.status_code == 202, made.text
    request_id = made.json()["request_id"]
    assert client.get(f"/api/v1/requests/{request_id}", headers=bearer(key)).status_code == 200
    listed = client.get("/api/v1/requests", headers=bearer(key)).json()
    assert [r["request_id"] for r in listed] == [request_id]

    with psycopg.connect(settings.sqlalchemy_url.replace("+psycopg", "")) as conn:
        query = "SELECT name, key_hash, prefix FROM api_keys WHERE name = %s"
        rows = conn.execute(query, ["ci pipeline"]).fetchall()
        dump = "\n".join(row[0] for row in conn.execute("SELECT api_keys::text FROM api_keys").fetchall())
    assert rows == [("ci pipeline", key_digest(key), key[:12])]
    assert key not in dump
    assert key not in server.log.read_text(errors="replace")


def test_a_revoked_key_is_refused(client: httpx.Client, env: dict[str, str]) -> None:
    key = made_key(env, "laptop")
    assert client.get("/api/v1/requests", headers=bearer(key)).status_code == 200
    revoked = run_testops(env, "keys", "revoke", key_id_of(env, key))
    assert revoked.returncode == 0, revoked.stderr

    answer = client.get("/api/v1/requests", headers=bearer(key))
    assert answer.status_code == 401
    assert answer.json() == {"detail": f"API key {key[:12]}… was revoked"}
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_revoking_a_key_that_is_not_there_is_one_line(env: dict[str, str]) -> None:
    for key_id, reason in [("nope", "not a key id: 'nope'"), (str(uuid.UUID(int=3)), "no API key with id")]:
        answer = run_testops(env, "keys", "revoke", key_id)
        assert answer.returncode == 2 and reason in answer.stderr and "Traceback" not in answer.stderr


@pytest.mark.parametrize(("method", "suffix", "body"), ONE_REQUEST_ROUTES)
def test_another_keys_request_is_not_found_exactly_like_an_unknown_one(
    client: httpx.Client, method: str, suffix: str, body: dict[str, str] | None
) -> None:
    made = client.post("/api/v1/requests/api", headers=AUTH, json={"openapi_url": SPEC_URL})
    mine = made.json()["request_id"]
    unknown = uuid.uuid4()

    foreign = client.request(method, f"/api/v1/requests/{mine}{suffix}", headers=OTHER, json=body)
    missing = client.request(method, f"/api/v1/requests/{unknown}{suffix}", headers=OTHER, json=body)
    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json()["detail"] == missing.json()["detail"].replace(str(unknown), mine)
    assert client.get(f"/api/v1/requests/{mine}", headers=AUTH).status_code == 200
    assert mine not in {r["request_id"] for r in client.get("/api/v1/requests", headers=OTHER).json()}


def test_requests_without_an_owner_are_seen_by_no_key(client: httpx.Client, settings: Settings) -> None:
    with session_scope(settings.sqlalchemy_url) as session:  # as the CLI, or a server before keys, made it
        unowned = create_request(session, kind="api", target="kennels.yaml").request_id
    for headers in (AUTH, OTHER):
        assert client.get(f"/api/v1/requests/{unowned}", headers=headers).status_code == 404


def test_the_rate_limit_holds_across_server_processes(limited_servers: list[Server]) -> None:
    key = bearer(LIMITED_KEYS[0])
    first, second = (server.client() for server in limited_servers)
    with first, second:
        # The limit's 5 calls, alternating between the processes: every one is counted once.
        answers = [(first, second)[n % 2].get("/api/v1/requests", headers=key) for n in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        over = second.get("/api/v1/requests", headers=key)
        assert over.status_code == 429
        assert int(over.headers["Retry-After"]) in range(1, 61)
        assert over.json() == {"detail": f"rate limit of 5 per 1 minute per API key exceeded: retry in "
                                         f"{over.headers['Retry-After']} s"}
        assert first.get("/api/v1/requests", headers=key).status_code == 429
        # Per key: another key is not held back; health probes are not limited at all.
        assert first.get("/api/v1/requests", headers=bearer(LIMITED_KEYS[1])).status_code == 200
        assert {first.get("/healthz").status_code for _ in range(10)} == {200}


def test_an_environment_key_given_as_its_digest_only_is_accepted(limited_servers: list[Server]) -> None:
    # The limited servers' environment holds only `sha256:` entries (see conftest).
    with limited_servers[0].client() as client:
        assert client.get("/api/v1/requests", headers=bearer(LIMITED_KEYS[1])).status_code == 200
        assert client.get("/api/v1/requests", headers=bearer(key_digest(LIMITED_KEYS[1]))).status_code == 401


def test_an_environment_key_has_the_same_id_in_every_process() -> None:
    assert env_key_id(key_digest("test-key")) == env_key_id(key_digest("test-key"))
    assert env_key_id(key_digest("test-key")) != env_key_id(key_digest("second-key"))


@pytest.mark.parametrize(("update", "reason"), [
    ({"api_keys": ["sha256:abc"]}, "TESTOPS_API_KEYS entry 1: `sha256:` must be followed by the 64 hex"),
    ({"rate_limit": "lots"}, "TESTOPS_RATE_LIMIT 'lots' is not a rate such as 60/minute"),
])
def test_malformed_auth_settings_refuse_to_start(settings: Settings, update: dict[str, object],
                                                 reason: str) -> None:
    with pytest.raises(ConfigurationError, match=reason.replace("(", r"\(")):
        create_app(settings.model_copy(update=update))


def test_the_service_refuses_to_start_without_any_key(env: dict[str, str], tmp_path: Path) -> None:
    with stack.postgres_database("testops_nokeys") as database_url:
        keyless = {**env, "TESTOPS_DATABASE_URL": database_url, "TESTOPS_API_KEYS": ""}
        with pytest.raises(RuntimeError, match="no API keys: set TESTOPS_API_KEYS"):
            stack.start_server(keyless, tmp_path / "server.log")


async def test_the_limit_answers_unavailable_when_redis_is_down() -> None:
    nobody = f"redis://127.0.0.1:{stack.free_port()}/0"
    async with KeyRateLimit.open(nobody, "5/minute") as rate_limit:
        with pytest.raises(UnavailableError, match=r"rate limiter's store \(Redis\) is unavailable"):
            await rate_limit.admit(Caller(key_id=uuid.uuid4(), name="any"))
