"""Fixtures of the generated suite: where the API is, and clients with and without credentials.

Credentials come from environment variables, never from the suite's files:
  TESTOPS_API_TOKEN                        bearer token (http bearer, oauth2 and openIdConnect schemes)
  TESTOPS_API_USERNAME / TESTOPS_API_PASSWORD   http basic schemes; for an OAuth2 password flow the suite
                                           asks the flow's tokenUrl for a token with them, once per session
  TESTOPS_OAUTH_CLIENT_ID / TESTOPS_OAUTH_CLIENT_SECRET   the OAuth2 client: sent with a password-flow
                                           token request when set; a clientCredentials flow needs them
  TESTOPS_API_KEY                          apiKey schemes (header, query or cookie)
  the same names ending in _2              a second identity, for `second_client` (ownership checks);
                                           without them, a user the suite signs up through the API's
                                           public sign-up (SIGN_UP: made-up name and password; the
                                           token its answer carries goes with TESTOPS_API_KEY's prefix
                                           when the spec does not say)
  (none)                                   `throwaway_client`: a user signed up anew for one test, which
                                           is the one that changes or deletes its own account
Users the suite signs up are deleted when done with (DELETE_ACCOUNT), where the spec has such a call.
  TESTOPS_BASE_URL                         overrides the base URL the suite was generated for
  TESTOPS_REQUEST_TIMEOUT                  seconds per request (default 5)
"""

from __future__ import annotations

import base64
import os
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from suite_settings import BASE_URL, DELETE_ACCOUNT, SECURED, SECURITY_SCHEMES, SIGN_UP

# Headers, query parameters and cookies that authenticate a client.
Credentials = tuple[dict[str, str], dict[str, str], dict[str, str]]
# Sign-up fields a user logs in with: a throwaway user gets its own values of them.
_LOGIN_NAMES = ("username", "email", "login")


class MissingCredentials(Exception):
    """No security scheme of the API could be served from the environment; the message says what to set."""


def _secret(name: str, identity: str) -> str | None:
    return os.environ.get(f"TESTOPS_API_{name}{identity}") or None


def _oauth_token(flow: dict[str, Any], grant: dict[str, str], base_url: str, timeout: float) -> str:
    """An access token from the flow's tokenUrl (relative to the base URL), asked for as an app would."""
    url = httpx.URL(base_url + "/").join(flow["tokenUrl"])
    form = {**grant, "scope": " ".join(flow["scopes"])} if flow.get("scopes") else grant
    try:
        response = httpx.post(url, data=form, headers={"Accept": "application/json"}, timeout=timeout)
        answer = response.json() if response.is_success else None
    except (httpx.HTTPError, ValueError) as error:
        raise MissingCredentials(f"asking {url} for a token failed: {error}") from error
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise MissingCredentials(
            f"asking {url} for a token answered {response.status_code} without an access_token: "
            f"{response.text[:200]}"
        )
    return token


def _oauth_client(identity: str, *, shared: bool) -> dict[str, str]:
    """client_id / client_secret of the OAuth2 client; a shared one serves every identity (password flow)."""
    found = {}
    for field in ("client_id", "client_secret"):
        name = f"TESTOPS_OAUTH_{field.upper()}"
        if value := os.environ.get(name + identity) or (os.environ.get(name) if shared else None):
            found[field] = value
    return found


def _scheme_credentials(
    scheme: dict[str, Any], base_url: str, timeout: float, identity: str
) -> Credentials | str:
    """Credentials for one scheme, or what to set for it; MissingCredentials when a token is refused."""
    kind, http_scheme, flows = scheme["type"], scheme.get("scheme", "").lower(), scheme.get("flows", {})
    user, password = _secret("USERNAME", identity), _secret("PASSWORD", identity)
    login = f"TESTOPS_API_USERNAME{identity} and TESTOPS_API_PASSWORD{identity}"
    bearer = (kind == "http" and http_scheme == "bearer") or kind in ("oauth2", "openIdConnect")
    if bearer and (token := _secret("TOKEN", identity)):
        return {"Authorization": f"Bearer {token}"}, {}, {}
    if kind == "http" and http_scheme == "basic":
        if user and password:
            pair = base64.b64encode(f"{user}:{password}".encode()).decode()
            return {"Authorization": f"Basic {pair}"}, {}, {}
        return login
    if kind == "apiKey":
        if key := _secret("KEY", identity):
            parts: Credentials = ({}, {}, {})
            parts[{"header": 0, "query": 1, "cookie": 2}[scheme["in"]]][scheme["name"]] = key
            return parts
        return f"TESTOPS_API_KEY{identity}"
    wanted = [f"TESTOPS_API_TOKEN{identity}"] if bearer else []
    if flow := flows.get("password"):
        if user and password:
            grant = {"grant_type": "password", "username": user, "password": password}
            token = _oauth_token(flow, {**grant, **_oauth_client(identity, shared=True)}, base_url, timeout)
            return {"Authorization": f"Bearer {token}"}, {}, {}
        wanted.append(f"{login} (OAuth2 password flow at {flow['tokenUrl']})")
    if flow := flows.get("clientCredentials"):
        if len(client := _oauth_client(identity, shared=False)) == 2:
            token = _oauth_token(flow, {"grant_type": "client_credentials", **client}, base_url, timeout)
            return {"Authorization": f"Bearer {token}"}, {}, {}
        wanted.append(f"TESTOPS_OAUTH_CLIENT_ID{identity} and TESTOPS_OAUTH_CLIENT_SECRET{identity}")
    return " or ".join(wanted)


def _credentials(base_url: str, timeout: float, identity: str = "") -> Credentials:
    """Credentials for the first security scheme whose secrets are set for this identity ("" or "_2")."""
    wanted: list[str] = []
    refused: list[str] = []
    for scheme in SECURITY_SCHEMES:
        try:
            found = _scheme_credentials(scheme, base_url, timeout, identity)
        except MissingCredentials as error:
            refused.append(str(error))  # another scheme may still work
            continue
        if not isinstance(found, str):
            return found
        if found:
            wanted.append(found)
    if refused:
        raise MissingCredentials("; ".join(refused))
    if not wanted:
        raise MissingCredentials("none of its security schemes is one this suite can send")
    raise MissingCredentials(f"set {' or '.join(dict.fromkeys(wanted))}")


def _signed_up(base_url: str, timeout: float, reason: str, *, fresh: bool = False) -> Credentials:
    """A user made through the API's own sign-up (SIGN_UP), with the token its password flow or answer gives.

    By a password flow the second user is the same in every run; otherwise, and when `fresh`, each user is
    new (a sign-up answers a token only once per account).
    """
    if SIGN_UP is None:
        pytest.skip(reason)
    envelope = SIGN_UP["envelope"]
    account = SIGN_UP["body"][envelope] if envelope else SIGN_UP["body"]
    if fresh or SIGN_UP["token"]:
        # The suite's helper beside this file; imported here, as only a fresh user needs it.
        from unique import unique

        step = None if fresh else 2  # the second user differs from a throwaway of the same test
        account = {
            k: unique(v, step=step) if k in _LOGIN_NAMES and isinstance(v, str) else v
            for k, v in account.items()
        }
    body = {**SIGN_UP["body"], envelope: account} if envelope else account
    sent = {"data": body} if SIGN_UP["form"] else {"json": body}
    try:
        response = httpx.post(f"{base_url}{SIGN_UP['path']}", **sent, timeout=timeout)
        if SIGN_UP["token"]:
            return _answered_credentials(response, SIGN_UP["token"], SIGN_UP["credential"])
        # Its answer does not matter: a user an earlier run signed up logs in just as well.
        grant = {
            "grant_type": "password",
            "username": account[SIGN_UP["username"]],
            "password": account[SIGN_UP["password"]],
        }
        token = _oauth_token(
            SIGN_UP["flow"], {**grant, **_oauth_client("_2", shared=True)}, base_url, timeout
        )
    except (httpx.HTTPError, MissingCredentials) as error:
        pytest.skip(f"{reason}; signing one up at {SIGN_UP['path']} did not work: {error}")
    return {"Authorization": f"Bearer {token}"}, {}, {}


def _answered_credentials(response: httpx.Response, pointer: str, credential: dict[str, Any]) -> Credentials:
    """Credentials from the token a sign-up answered, sent where the scheme says, with its prefix.

    A prefix the spec leaves open is the configured TESTOPS_API_KEY's (`Token` of `Token abc`).
    """
    try:
        token: Any = response.json() if response.is_success else None
    except ValueError:
        token = None
    for part in pointer.strip("/").split("/"):
        token = token.get(part) if isinstance(token, dict) else None
    if not isinstance(token, str) or not token:
        raise MissingCredentials(f"it answered {response.status_code} without a token at {pointer}")
    prefix = credential["prefix"]
    if prefix is None:
        configured = _secret("KEY", "")
        if configured is None:
            raise MissingCredentials(
                "the spec does not say how its token is sent (a prefix such as `Token `?), and no"
                " TESTOPS_API_KEY is set to show it"
            )
        scheme, space, _ = configured.strip().partition(" ")
        prefix = f"{scheme} " if space else ""
    parts: Credentials = ({}, {}, {})
    parts[{"header": 0, "query": 1, "cookie": 2}[credential["in"]]][credential["name"]] = prefix + token
    return parts


def _delete_signed_up(http: httpx.Client) -> None:
    """Delete the user a fixture signed up, as that user (DELETE_ACCOUNT), so daily runs pile up no
    accounts; one the spec gives no way to delete stays, as the run's summary says."""
    if DELETE_ACCOUNT is None or SIGN_UP is None:
        return
    body = None
    if DELETE_ACCOUNT["password"]:
        envelope = SIGN_UP["envelope"]
        account = SIGN_UP["body"][envelope] if envelope else SIGN_UP["body"]
        fields = {DELETE_ACCOUNT["password"]: account[SIGN_UP["password"]]}
        body = {DELETE_ACCOUNT["envelope"]: fields} if DELETE_ACCOUNT["envelope"] else fields
    try:
        response = http.request("DELETE", DELETE_ACCOUNT["path"], json=body)
    except httpx.HTTPError as error:
        warnings.warn(f"cleanup: the signed-up user stays, deleting it failed: {error}", stacklevel=1)
        return
    # 401 or 404: the test deleted the account itself (or changed how it logs in).
    if response.status_code >= 300 and response.status_code not in (401, 404):
        warnings.warn(
            f"cleanup: the signed-up user stays, DELETE {DELETE_ACCOUNT['path']} answered "
            f"{response.status_code}: {response.text[:200]}",
            stacklevel=1,
        )


def _client(base_url: str, timeout: float, credentials: Credentials) -> httpx.Client:
    headers, params, cookies = credentials
    return httpx.Client(base_url=base_url, headers=headers, params=params, cookies=cookies, timeout=timeout)


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ.get("TESTOPS_BASE_URL", BASE_URL).rstrip("/")


@pytest.fixture(scope="session")
def request_timeout() -> float:
    return float(os.environ.get("TESTOPS_REQUEST_TIMEOUT", "5"))


@pytest.fixture(scope="session")
def client(base_url: str, request_timeout: float) -> Iterator[httpx.Client]:
    """A client that sends the configured credentials; tests needing them skip when none are set."""
    try:
        credentials = _credentials(base_url, request_timeout)
    except MissingCredentials as missing:
        if SECURED:
            pytest.skip(f"the API requires credentials: {missing}")
        credentials = ({}, {}, {})
    with _client(base_url, request_timeout, credentials) as http:
        yield http


@pytest.fixture(scope="session")
def second_client(base_url: str, request_timeout: float) -> Iterator[httpx.Client]:
    """A client acting as a second identity, for checks that one user cannot read or change another's data."""
    signed_up = False
    try:
        credentials = _credentials(base_url, request_timeout, identity="_2")
    except MissingCredentials as missing:
        credentials = _signed_up(base_url, request_timeout, f"a second identity is needed: {missing}")
        signed_up = True
    with _client(base_url, request_timeout, credentials) as http:
        yield http
        if signed_up:
            _delete_signed_up(http)


@pytest.fixture
def throwaway_client(base_url: str, request_timeout: float) -> Iterator[httpx.Client]:
    """A user signed up for this test alone: calls that change or delete one's own account run as it."""
    reason = "changing or deleting one's own account needs a throwaway user, and the API has no sign-up"
    credentials = _signed_up(base_url, request_timeout, reason, fresh=True)
    with _client(base_url, request_timeout, credentials) as http:
        yield http
        _delete_signed_up(http)


@pytest.fixture(scope="session")
def anonymous_client(base_url: str, request_timeout: float) -> Iterator[httpx.Client]:
    """A client without credentials, for public operations and for checking that auth is enforced."""
    with httpx.Client(base_url=base_url, timeout=request_timeout) as http:
        yield http
