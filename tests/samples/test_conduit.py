"""The RealWorld Conduit sample: a spec true to the published one, a conforming build, variants as claimed.

Real HTTP throughout: each test talks to a server started with `serve()`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator

from samples.conduit.app import (
    BUGGY_VARIANTS,
    DEFAULT_API_KEY,
    DEFAULT_TOKEN,
    HARMLESS_VARIANTS,
    REQUIREMENTS_PATH,
    SECOND_API_KEY,
    SPEC_PATH,
    Variant,
    load_requirements,
    serve,
)
from tests.samples.openapi_documents import assert_conforms, operations, pointer, validator, walk

EXPECTED_OPERATIONS = {
    ("/users/login", "post"): "Login",
    ("/users", "post"): "CreateUser",
    ("/user", "get"): "GetCurrentUser",
    ("/user", "put"): "UpdateCurrentUser",
    ("/profiles/{username}", "get"): "GetProfileByUsername",
    ("/profiles/{username}/follow", "post"): "FollowUserByUsername",
    ("/profiles/{username}/follow", "delete"): "UnfollowUserByUsername",
    ("/articles/feed", "get"): "GetArticlesFeed",
    ("/articles", "get"): "GetArticles",
    ("/articles", "post"): "CreateArticle",
    ("/articles/{slug}", "get"): "GetArticle",
    ("/articles/{slug}", "put"): "UpdateArticle",
    ("/articles/{slug}", "delete"): "DeleteArticle",
    ("/articles/{slug}/comments", "get"): "GetArticleComments",
    ("/articles/{slug}/comments", "post"): "CreateArticleComment",
    ("/articles/{slug}/comments/{id}", "delete"): "DeleteArticleComment",
    ("/articles/{slug}/favorite", "post"): "CreateArticleFavorite",
    ("/articles/{slug}/favorite", "delete"): "DeleteArticleFavorite",
    ("/tags", "get"): "GetTags",
}
OPTIONAL_AUTH = {"GetProfileByUsername", "GetArticles", "GetArticle", "GetArticleComments"}
PUBLIC = {"Login", "CreateUser", "GetTags"}


# --- helpers -----------------------------------------------------------------------------------------------


def _client(base_url: str, token: str | None = DEFAULT_TOKEN) -> httpx.Client:
    # Plain HTTP only: verify=False skips loading the CA bundle, about 30 ms per client.
    headers = {"Authorization": f"Token {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=5, verify=False)


def _register(client: httpx.Client, name: str) -> httpx.Client:
    """A new user `name`, and a client on the same server holding their token."""
    user = {"username": name, "email": f"{name}@example.org", "password": f"{name}-secret"}
    token = client.post("/users", json={"user": user}).json()["user"]["token"]
    return _client(str(client.base_url), token)


def _article(client: httpx.Client, title: str = "How to train your dragon", **fields: Any) -> httpx.Response:
    article = {"title": title, "description": "Ever wonder how?", "body": "You have to believe", **fields}
    return client.post("/articles", json={"article": article})


def _slug(client: httpx.Client, title: str = "How to train your dragon", **fields: Any) -> str:
    return _article(client, title, **fields).json()["article"]["slug"]


def _anonymous(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    request = client.build_request(method, path, **kwargs)
    del request.headers["Authorization"]
    return client.send(request)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """The demo user jake on a fresh correct server, for tests that depend on the store's state."""
    with serve() as url, _client(url) as http:
        yield http


@pytest.fixture(scope="module")
def shared_client() -> Iterator[httpx.Client]:
    """jake on one correct server shared by checks that do not depend on what else is stored."""
    with serve() as url, _client(url) as http:
        yield http


# --- spec.yaml ---------------------------------------------------------------------------------------------


def test_spec_header(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {**spec["info"], "title": "RealWorld Conduit API", "version": "1.1.0"}
    assert spec["servers"] == [{"url": "http://127.0.0.1:8080/api"}]
    assert spec["security"] == [{"Token": []}]
    scheme = spec["components"]["securitySchemes"]["Token"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "Token xxxxxx.yyyyyyy.zzzzzz" in scheme["description"]


def test_spec_has_exactly_the_publishedoperations(spec: dict[str, Any]) -> None:
    found = {(path, method): operation["operationId"] for path, method, operation in operations(spec)}
    assert found == EXPECTED_OPERATIONS


def test_spec_authentication_per_operation(spec: dict[str, Any]) -> None:
    security = {op["operationId"]: op.get("security", spec["security"]) for _, _, op in operations(spec)}
    assert {name for name, rule in security.items() if rule == []} == PUBLIC
    assert {name for name, rule in security.items() if rule == [{}, {"Token": []}]} == OPTIONAL_AUTH


def test_every_ref_resolves(spec: dict[str, Any]) -> None:
    refs = [node["$ref"] for node in walk(spec) if "$ref" in node]
    assert len(refs) > 50
    for ref in refs:
        assert pointer(spec, ref) is not None


def test_component_schemas_are_valid_json_schema(spec: dict[str, Any]) -> None:
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_examples_match_their_schemas(spec: dict[str, Any]) -> None:
    checked = 0
    for node in walk(spec):
        if "schema" in node and "example" in node:
            validator(spec, node["schema"]).validate(node["example"])
            checked += 1
    assert checked >= 12


def test_requirements() -> None:
    requirements = load_requirements()
    assert REQUIREMENTS_PATH.is_file()
    assert len(requirements) == 14
    assert requirements[0].startswith(
        "Registration: POST /api/users. No authentication required, returns a User."
    )


# --- the correct service -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [Variant.CORRECT, *HARMLESS_VARIANTS])
def test_responses_conform_to_spec(spec: dict[str, Any], variant: Variant) -> None:
    with serve(variant) as url, _client(url) as jake:
        login = jake.post("/users/login", json={"user": {"email": "jake@jake.jake", "password": "jakejake"}})
        user = {"username": "Jacob", "email": "jacob@jake.jake", "password": "jacobjacob"}
        registered = jake.post("/users", json={"user": user})
        jacob = _client(url, registered.json()["user"]["token"])
        created = _article(jake, tagList=["dragons"])
        slug = created.json()["article"]["slug"]
        comment = jacob.post(
            f"/articles/{slug}/comments", json={"comment": {"body": "His name was my name too."}}
        )
        comment_path = f"/articles/{slug}/comments/{comment.json()['comment']['id']}"
        exchanges = [
            ("/users/login", "post", 200, login),
            (
                "/users/login",
                "post",
                401,
                jake.post("/users/login", json={"user": {**user, "password": "no"}}),
            ),
            ("/users/login", "post", 422, jake.post("/users/login", json={"user": {"email": ""}})),
            ("/users", "post", 201, registered),
            ("/users", "post", 422, jake.post("/users", json={"user": user})),
            ("/user", "get", 200, jake.get("/user")),
            ("/user", "get", 401, _anonymous(jake, "GET", "/user")),
            ("/user", "put", 200, jake.put("/user", json={"user": {"bio": "I like to skateboard"}})),
            ("/user", "put", 422, jake.put("/user", json={"user": {}})),
            ("/profiles/{username}", "get", 200, _anonymous(jake, "GET", "/profiles/Jacob")),
            ("/profiles/{username}", "get", 404, jake.get("/profiles/nobody")),
            ("/profiles/{username}/follow", "post", 200, jacob.post("/profiles/jake/follow")),
            ("/profiles/{username}/follow", "delete", 200, jake.delete("/profiles/Jacob/follow")),
            ("/articles/feed", "get", 200, jacob.get("/articles/feed", params={"limit": 5})),
            ("/articles/feed", "get", 401, _anonymous(jake, "GET", "/articles/feed")),
            ("/articles/feed", "get", 422, jacob.get("/articles/feed", params={"limit": 0})),
            ("/articles", "post", 201, created),
            ("/articles", "post", 422, _article(jake, title="")),
            ("/articles", "post", 401, _anonymous(jake, "POST", "/articles", json={"article": {}})),
            ("/articles", "get", 200, _anonymous(jake, "GET", "/articles", params={"tag": "dragons"})),
            ("/articles", "get", 401, jake.get("/articles", headers={"Authorization": "Token forged"})),
            ("/articles", "get", 422, jake.get("/articles", params={"offset": -1})),
            ("/articles/{slug}", "get", 200, jacob.get(f"/articles/{slug}")),
            ("/articles/{slug}", "get", 404, jake.get("/articles/no-such-article")),
            ("/articles/{slug}", "put", 403, jacob.put(f"/articles/{slug}", json={"article": {"body": "x"}})),
            ("/articles/{slug}", "put", 422, jake.put(f"/articles/{slug}", json={"article": {"title": 1}})),
            ("/articles/{slug}/favorite", "post", 200, jacob.post(f"/articles/{slug}/favorite")),
            ("/articles/{slug}/favorite", "delete", 200, jacob.delete(f"/articles/{slug}/favorite")),
            ("/articles/{slug}/favorite", "post", 404, jacob.post("/articles/no-such-article/favorite")),
            ("/articles/{slug}/comments", "post", 200, comment),
            ("/articles/{slug}/comments", "post", 422, jake.post(f"/articles/{slug}/comments", json={})),
            ("/articles/{slug}/comments", "get", 200, _anonymous(jake, "GET", f"/articles/{slug}/comments")),
            ("/articles/{slug}/comments/{id}", "delete", 403, jake.delete(comment_path)),
            ("/articles/{slug}/comments/{id}", "delete", 204, jacob.delete(comment_path)),
            ("/articles/{slug}/comments/{id}", "delete", 404, jacob.delete(comment_path)),
            ("/tags", "get", 200, _anonymous(jake, "GET", "/tags")),
            (
                "/articles/{slug}",
                "put",
                200,
                jake.put(f"/articles/{slug}", json={"article": {"title": "New"}}),
            ),
            ("/articles/{slug}", "delete", 403, jacob.delete("/articles/new")),
            ("/articles/{slug}", "delete", 204, jake.delete("/articles/new")),
            ("/articles/{slug}", "delete", 404, jake.delete("/articles/new")),
            ("/articles/{slug}/comments", "get", 404, jake.get("/articles/new/comments")),
        ]
        jacob.close()
        for path, method, status, response in exchanges:
            assert_conforms(spec, path, method, status, response)


def test_registration_and_login(client: httpx.Client) -> None:
    user = {"username": "Jacob", "email": "jacob@jake.jake", "password": "jacobjacob"}
    registered = client.post("/users", json={"user": {**user, "colour": "red"}})
    assert registered.status_code == 201
    body = registered.json()["user"]
    assert body == {**body, "username": "Jacob", "email": "jacob@jake.jake", "bio": None, "image": None}
    assert body["token"].count(".") == 2 and "password" not in body
    login = client.post("/users/login", json={"user": {"email": user["email"], "password": user["password"]}})
    assert login.json() == registered.json()
    for taken in ({"email": "JACOB@jake.jake"}, {"username": "Jacob"}):
        response = client.post(
            "/users", json={"user": {**user, "username": "Other", "email": "o@o.o", **taken}}
        )
        assert response.status_code == 422 and "already been taken" in response.json()["errors"]["body"][0]
    for wrong in ({"password": "jakejake"}, {"email": "nobody@jake.jake"}):
        response = client.post("/users/login", json={"user": {**user, **wrong}})
        assert (response.status_code, response.content) == (401, b"")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user": None},
        {"user": {"username": "u", "email": "e@e.e"}},
        {"user": {"username": "", "email": "e@e.e", "password": "p"}},
        {"user": {"username": 5, "email": "e@e.e", "password": "p"}},
        [{"user": {}}],
    ],
)
def test_registration_rejects_invalid_bodies(shared_client: httpx.Client, body: Any) -> None:
    response = shared_client.post("/users", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["errors"]["body"][0], str)


@pytest.mark.parametrize("raw", [b"", b"{not json", b"\xff\xfe"])
def test_create_article_rejects_unparsable_bodies(shared_client: httpx.Client, raw: bytes) -> None:
    assert shared_client.post("/articles", content=raw).status_code == 422


def test_update_user_changes_only_given_fields(client: httpx.Client) -> None:
    before = client.get("/user").json()["user"]
    changed = client.put("/user", json={"user": {"bio": None, "image": "https://example.org/me.png"}})
    assert changed.json()["user"] == {**before, "bio": None, "image": "https://example.org/me.png"}
    assert client.put("/user", json={"user": {"username": "jacob", "password": "new"}}).status_code == 200
    assert client.get("/profiles/jacob").json()["profile"]["username"] == "jacob"
    login = {"email": "jake@jake.jake", "password": "new"}
    assert client.post("/users/login", json={"user": login}).json()["user"]["token"] == DEFAULT_TOKEN
    other = _register(client, "other")
    assert other.put("/user", json={"user": {"email": "jake@jake.jake"}}).status_code == 422
    assert other.put("/user", json={"user": {"bio": 3}}).status_code == 422
    other.close()


def test_authentication_header(shared_client: httpx.Client) -> None:
    assert shared_client.get("/user").json()["user"]["username"] == "jake"
    assert shared_client.get("/user", headers={"Authorization": f"token {DEFAULT_TOKEN}"}).status_code == 200
    for header in (f"Bearer {DEFAULT_TOKEN}", DEFAULT_TOKEN, "Token", "Token x.y.z", ""):
        response = shared_client.get("/user", headers={"Authorization": header})
        assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Token"), header
    # Endpoints that need no authentication ignore the header, whatever it holds.
    assert shared_client.get("/tags", headers={"Authorization": "Token forged"}).status_code == 200


def test_article_lifecycle_and_slugs(client: httpx.Client) -> None:
    created = _article(client, tagList=["dragons", "training", "dragons"]).json()["article"]
    assert created == {
        "slug": "how-to-train-your-dragon",
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe",
        "tagList": ["dragons", "training"],
        "createdAt": "2024-01-01T00:00:01.000Z",
        "updatedAt": "2024-01-01T00:00:01.000Z",
        "favorited": False,
        "favoritesCount": 0,
        "author": {"username": "jake", "bio": "I work at statefarm", "image": None, "following": False},
    }
    assert _slug(client) == "how-to-train-your-dragon-2"
    assert _slug(client, "  Hello, World!  ") == "hello-world"
    renamed = client.put(
        "/articles/how-to-train-your-dragon", json={"article": {"title": "Did you train it?"}}
    )
    assert (
        renamed.json()["article"] | {"slug": "did-you-train-it", "body": "You have to believe"}
        == (renamed.json()["article"])
    )
    assert renamed.json()["article"]["updatedAt"] == "2024-01-01T00:00:04.000Z"
    assert client.get("/articles/how-to-train-your-dragon").status_code == 404
    assert client.get("/articles/did-you-train-it").json() == renamed.json()
    assert client.delete("/articles/did-you-train-it").status_code == 204
    assert client.get("/articles/did-you-train-it").status_code == 404
    assert _slug(client, "Did you train it?") == "did-you-train-it"
    for fields in ({"tagList": "dragons"}, {"tagList": [""]}, {"body": None}):
        assert _article(client, **fields).status_code == 422


def test_only_the_author_changes_an_article(client: httpx.Client) -> None:
    slug = _slug(client)
    other = _client(str(client.base_url), SECOND_API_KEY.removeprefix("Token "))
    assert (
        other.get("/user").json()["user"] | {"username": "jane", "bio": None}
        == other.get("/user").json()["user"]
    )
    assert other.put(f"/articles/{slug}", json={"article": {"title": "Mine"}}).status_code == 403
    assert other.delete(f"/articles/{slug}").status_code == 403
    assert client.get(f"/articles/{slug}").json()["article"]["title"] == "How to train your dragon"
    other.close()


def test_list_articles_filters_and_pages(client: httpx.Client) -> None:
    jacob = _register(client, "jacob")
    for index in range(5):
        _article(
            client if index % 2 == 0 else jacob,
            f"post {index}",
            tagList=["even" if index % 2 == 0 else "odd"],
        )
    jacob.post("/articles/post-0/favorite")

    def slugs(**params: Any) -> tuple[list[str], int]:
        page = client.get("/articles", params=params).json()
        return [article["slug"] for article in page["articles"]], page["articlesCount"]

    assert slugs() == (["post-4", "post-3", "post-2", "post-1", "post-0"], 5)
    assert "body" not in client.get("/articles").json()["articles"][0]
    assert slugs(tag="odd") == (["post-3", "post-1"], 2)
    assert slugs(author="jake") == (["post-4", "post-2", "post-0"], 3)
    assert slugs(favorited="jacob") == (["post-0"], 1)
    assert slugs(author="jacob", tag="even") == ([], 0)
    assert slugs(author="nobody") == slugs(favorited="nobody") == ([], 0)
    assert slugs(limit=2) == (["post-4", "post-3"], 5)
    assert slugs(limit=2, offset=2) == (["post-2", "post-1"], 5)
    assert slugs(offset=10) == ([], 5)
    assert jacob.get("/articles", params={"favorited": "jacob"}).json()["articles"][0]["favorited"] is True
    for params in ({"limit": 0}, {"limit": "ten"}, {"offset": -1}, {"offset": ""}):
        assert client.get("/articles", params=params).status_code == 422
    jacob.close()


def test_default_limit_is_twenty(client: httpx.Client) -> None:
    for index in range(22):
        _article(client, f"post {index}")
    page = client.get("/articles").json()
    assert (len(page["articles"]), page["articlesCount"]) == (20, 22)


def test_follow_and_feed(client: httpx.Client) -> None:
    jacob = _register(client, "jacob")
    _article(client, "by jake")
    _article(jacob, "by jacob")
    assert jacob.get("/articles/feed").json() == {"articles": [], "articlesCount": 0}
    followed = jacob.post("/profiles/jake/follow")
    assert followed.json()["profile"] == {
        "username": "jake",
        "bio": "I work at statefarm",
        "image": None,
        "following": True,
    }
    assert jacob.post("/profiles/jake/follow").json() == followed.json()
    _article(client, "later by jake")
    feed = jacob.get("/articles/feed").json()
    assert ([a["slug"] for a in feed["articles"]], feed["articlesCount"]) == (["later-by-jake", "by-jake"], 2)
    assert feed["articles"][0]["author"]["following"] is True
    assert [a["slug"] for a in jacob.get("/articles/feed", params={"offset": 1}).json()["articles"]] == [
        "by-jake"
    ]
    assert jacob.get("/profiles/jake").json()["profile"]["following"] is True
    assert _anonymous(client, "GET", "/profiles/jake").json()["profile"]["following"] is False
    assert jacob.delete("/profiles/jake/follow").json()["profile"]["following"] is False
    assert jacob.get("/articles/feed").json()["articlesCount"] == 0
    assert jacob.post("/profiles/nobody/follow").status_code == 404
    jacob.close()


def test_favorites(client: httpx.Client) -> None:
    slug = _slug(client)
    jacob = _register(client, "jacob")
    assert (
        jacob.post(f"/articles/{slug}/favorite").json()["article"] | {"favorited": True, "favoritesCount": 1}
        == (jacob.get(f"/articles/{slug}").json()["article"])
    )
    assert jacob.post(f"/articles/{slug}/favorite").json()["article"]["favoritesCount"] == 1
    assert client.post(f"/articles/{slug}/favorite").json()["article"]["favoritesCount"] == 2
    assert _anonymous(client, "GET", f"/articles/{slug}").json()["article"]["favorited"] is False
    unfavorited = jacob.delete(f"/articles/{slug}/favorite").json()["article"]
    assert (unfavorited["favorited"], unfavorited["favoritesCount"]) == (False, 1)
    assert jacob.delete(f"/articles/{slug}/favorite").json()["article"]["favoritesCount"] == 1
    jacob.close()


def test_comments(client: httpx.Client) -> None:
    slug = _slug(client)
    first = client.post(f"/articles/{slug}/comments", json={"comment": {"body": "First!"}}).json()["comment"]
    assert first == {
        "id": 4,
        "createdAt": "2024-01-01T00:00:02.000Z",
        "updatedAt": "2024-01-01T00:00:02.000Z",
        "body": "First!",
        "author": {"username": "jake", "bio": "I work at statefarm", "image": None, "following": False},
    }
    client.post(f"/articles/{slug}/comments", json={"comment": {"body": "Second"}})
    listed = _anonymous(client, "GET", f"/articles/{slug}/comments").json()["comments"]
    assert [c["body"] for c in listed] == ["First!", "Second"]
    assert client.post(f"/articles/{slug}/comments", json={"comment": {"body": ""}}).status_code == 422
    assert client.post("/articles/nowhere/comments", json={"comment": {"body": "x"}}).status_code == 404
    assert client.delete(f"/articles/nowhere/comments/{first['id']}").status_code == 404
    assert client.delete(f"/articles/{slug}/comments/abc").status_code == 404
    assert client.delete(f"/articles/{slug}/comments/{first['id']}").status_code == 204
    assert [c["body"] for c in client.get(f"/articles/{slug}/comments").json()["comments"]] == ["Second"]


def test_tags_list_live_articles_once(client: httpx.Client) -> None:
    assert client.get("/tags").json() == {"tags": []}
    _article(client, "one", tagList=["reactjs", "angularjs"])
    slug = _slug(client, "two", tagList=["angularjs", "dragons"])
    assert client.get("/tags").json() == {"tags": ["reactjs", "angularjs", "dragons"]}
    client.delete(f"/articles/{slug}")
    assert client.get("/tags").json() == {"tags": ["reactjs", "angularjs"]}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("GET", "/articles/a/b/c", 404),
        ("DELETE", "/tags", 405),
        ("GET", "/users", 405),
        ("PATCH", "/user", 405),
        ("TRACE", "/articles", 405),
    ],
)
def test_routing_errors(shared_client: httpx.Client, method: str, path: str, status: int) -> None:
    response = shared_client.request(method, path)
    assert (response.status_code, response.headers["Content-Type"]) == (status, "application/json")
    assert response.json()["errors"]["body"]


def test_api_lives_under_its_prefix() -> None:
    with serve() as url, _client(url) as client:
        assert url.endswith("/api")
        assert client.get(url.removesuffix("/api") + "/tags").status_code == 404
        assert client.patch("/user").headers["Allow"] == "GET, PUT"


def test_custom_token_and_separate_stores() -> None:
    with serve(token="s3cret") as first, serve() as second:
        with _client(first, "s3cret") as custom, _client(second) as default:
            assert _slug(custom) == _slug(default) == "how-to-train-your-dragon"
            assert custom.get("/user", headers={"Authorization": DEFAULT_API_KEY}).status_code == 401


def test_serve_shuts_down_on_exit() -> None:
    with serve() as url, _client(url) as client:
        assert client.get("/tags").status_code == 200
    with _client(url) as client, pytest.raises(httpx.ConnectError):
        client.get("/tags", timeout=1)


def test_main_runs_in_the_foreground() -> None:
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-m", "samples.conduit", "--port", "0", "--variant", "extra_header"]
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[0]
        with _client(url) as client:
            response = client.get("/user")
        assert (response.json()["user"]["username"], "X-Request-Id" in response.headers) == ("jake", True)
    finally:
        process.terminate()
        process.wait(timeout=5)


# --- variants ----------------------------------------------------------------------------------------------


def _three_articles(client: httpx.Client) -> None:
    for index, tag in enumerate(("dragons", "training", "dragons")):
        _article(client, f"post {index}", tagList=[tag])


def _tag_filter_works(client: httpx.Client) -> bool:
    _three_articles(client)
    return [a["slug"] for a in client.get("/articles", params={"tag": "training"}).json()["articles"]] == [
        "post-1"
    ]


def _limit_works(client: httpx.Client) -> bool:
    _three_articles(client)
    return len(client.get("/articles", params={"limit": 2}).json()["articles"]) == 2


def _offset_works(client: httpx.Client) -> bool:
    _three_articles(client)
    return [a["slug"] for a in client.get("/articles", params={"offset": 1}).json()["articles"]] == [
        "post-1",
        "post-0",
    ]


def _count_is_total(client: httpx.Client) -> bool:
    _three_articles(client)
    return client.get("/articles", params={"limit": 1}).json()["articlesCount"] == 3


def _favorite_counts(client: httpx.Client) -> bool:
    return client.post(f"/articles/{_slug(client)}/favorite").json()["article"]["favoritesCount"] == 1


def _unfavorite_counts(client: httpx.Client) -> bool:
    slug = _slug(client)
    client.post(f"/articles/{slug}/favorite")
    # Back to where it started: 0 whether or not favoriting counted (FAVORITE_NOT_COUNTED's bug).
    return client.delete(f"/articles/{slug}/favorite").json()["article"]["favoritesCount"] == 0


def _delete_needs_ownership(client: httpx.Client) -> bool:
    slug = _slug(client)
    with _register(client, "intruder") as intruder:
        return intruder.delete(f"/articles/{slug}").status_code == 403


def _comments_go_with_article(client: httpx.Client) -> bool:
    slug = _slug(client)
    client.post(f"/articles/{slug}/comments", json={"comment": {"body": "First!"}})
    client.delete(f"/articles/{slug}")
    return client.get(f"/articles/{slug}/comments").status_code == 404


def _duplicate_email_rejected(client: httpx.Client) -> bool:
    user = {"username": "jake2", "email": "jake@jake.jake", "password": "jakejake"}
    return client.post("/users", json={"user": user}).status_code == 422


def _wrong_password_rejected(client: httpx.Client) -> bool:
    credentials = {"email": "jake@jake.jake", "password": "not-jakes"}
    return client.post("/users/login", json={"user": credentials}).status_code == 401


def _bio_updated(client: httpx.Client) -> bool:
    client.put("/user", json={"user": {"bio": "I like to skateboard"}})
    return client.get("/user").json()["user"]["bio"] == "I like to skateboard"


def _slug_follows_title(client: httpx.Client) -> bool:
    slug = _slug(client)
    renamed = client.put(f"/articles/{slug}", json={"article": {"title": "Did you train your dragon?"}})
    return renamed.json()["article"]["slug"] == "did-you-train-your-dragon"


# One spec check per buggy variant: True when the service behaves as specified. Each bug breaks only its own.
SPEC_CHECKS: dict[Variant, Callable[[httpx.Client], bool]] = {
    Variant.TAG_FILTER_IGNORED: _tag_filter_works,
    Variant.LIMIT_IGNORED: _limit_works,
    Variant.OFFSET_OFF_BY_ONE: _offset_works,
    Variant.ARTICLES_COUNT_IS_PAGE_SIZE: _count_is_total,
    Variant.FAVORITE_NOT_COUNTED: _favorite_counts,
    Variant.UNFAVORITE_NOT_COUNTED: _unfavorite_counts,
    Variant.DELETE_OTHERS_ARTICLE: _delete_needs_ownership,
    Variant.COMMENTS_OUTLIVE_ARTICLE: _comments_go_with_article,
    Variant.DUPLICATE_EMAIL_ACCEPTED: _duplicate_email_rejected,
    Variant.WRONG_PASSWORD_ACCEPTED: _wrong_password_rejected,
    Variant.UPDATE_USER_IGNORES_BIO: _bio_updated,
    Variant.SLUG_KEPT_ON_RENAME: _slug_follows_title,
    Variant.FEED_WITHOUT_AUTH: lambda c: _anonymous(c, "GET", "/articles/feed").status_code == 401,
    Variant.UNKNOWN_SLUG_500: lambda c: c.get("/articles/no-such-article").status_code == 404,
}

# What makes each harmless variant different, so a test can tell it is really running.
HARMLESS_MARKS: dict[Variant, Callable[[httpx.Client], bool]] = {
    Variant.EXTRA_HEADER: lambda c: "X-Request-Id" in c.get("/tags").headers,
    Variant.EXTRA_OPTIONAL_FIELD: lambda c: isinstance(_article(c).json()["article"].get("id"), int),
    Variant.REORDERED_KEYS: lambda c: next(iter(_article(c).json()["article"])) == "author",
    Variant.SLOW_BUT_FINE: lambda c: c.get("/tags").elapsed >= timedelta(seconds=0.05),
}


def _failed_checks(variant: Variant) -> list[Variant]:
    failed = []
    for name, check in SPEC_CHECKS.items():
        # A fresh server per check: they create overlapping articles and users.
        with serve(variant) as url, _client(url) as client:
            if not check(client):
                failed.append(name)
    return failed


def test_variant_groups_cover_every_variant() -> None:
    assert set(BUGGY_VARIANTS).isdisjoint(HARMLESS_VARIANTS)
    assert {Variant.CORRECT, *BUGGY_VARIANTS, *HARMLESS_VARIANTS} == set(Variant)
    assert set(SPEC_CHECKS) == set(BUGGY_VARIANTS) and set(HARMLESS_MARKS) == set(HARMLESS_VARIANTS)


@pytest.mark.parametrize("variant", [Variant.CORRECT, *HARMLESS_VARIANTS])
def test_correct_and_harmless_variants_pass_every_check(variant: Variant) -> None:
    assert _failed_checks(variant) == []


@pytest.mark.parametrize("variant", BUGGY_VARIANTS)
def test_buggy_variant_shows_exactly_its_bug(variant: Variant) -> None:
    assert _failed_checks(variant) == [variant]


@pytest.mark.parametrize("variant", HARMLESS_VARIANTS)
def test_harmless_variant_is_really_different(variant: Variant) -> None:
    with serve(variant) as url, _client(url) as client:
        assert HARMLESS_MARKS[variant](client)
