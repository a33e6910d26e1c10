"""RealWorld "Conduit" API: a Medium-like blogging backend, as the RealWorld project publishes it, in memory.

Stdlib only. `Variant.CORRECT` implements spec.yaml; each buggy variant plants one realistic bug that a good
suite must catch, and each harmless variant changes something the spec leaves open, so a good suite must pass.
The API lives under `/api`, so `serve()` yields a base URL ending in `/api`, like the spec's server.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote

from samples.loopback import (
    JsonServiceHandler,
    LoopbackHTTPServer,
    reversed_keys,
    running,
    serve_until_interrupted,
)
from tools.requirements_file import read_requirements_file

PACKAGE_DIR = Path(__file__).resolve().parent
SPEC_PATH = PACKAGE_DIR / "spec.yaml"
REQUIREMENTS_PATH = PACKAGE_DIR / "requirements.txt"

API_PREFIX = "/api"
# Timestamps are CLOCK_BASE + one second per write, so two runs of the same scenario produce identical bodies.
CLOCK_BASE = datetime(2024, 1, 1, tzinfo=UTC)
_SIGNING_KEY = b"conduit-sample-signing-key"
_INTEGER = re.compile(r"[+-]?\d+")
_SLUG_GAPS = re.compile(r"[^a-z0-9]+")
_DEFAULT_LIMIT = 20
_SLOW_DELAY_S = 0.05


def _jwt(user_id: int, username: str) -> str:
    """An HS256 JWT naming the user; without an expiry, so the same user always gets the same token."""

    def segment(data: dict[str, Any]) -> bytes:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    signed = segment({"alg": "HS256", "typ": "JWT"}) + b"." + segment({"id": user_id, "username": username})
    signature = base64.urlsafe_b64encode(hmac.new(_SIGNING_KEY, signed, hashlib.sha256).digest()).rstrip(b"=")
    return (signed + b"." + signature).decode()


# The demo accounts every fresh server starts with: the RealWorld docs' user, and a second one for checks
# that one user cannot change another's data.
DEMO_USER = {
    "username": "jake",
    "email": "jake@jake.jake",
    "password": "jakejake",
    "bio": "I work at statefarm",
}
SECOND_USER = {"username": "jane", "email": "jane@jane.jane", "password": "janejane", "bio": None}
DEFAULT_TOKEN = _jwt(1, DEMO_USER["username"])
SECOND_TOKEN = _jwt(2, SECOND_USER["username"])
# What a client puts in the Authorization header: the apiKey scheme's whole value, prefix included.
DEFAULT_API_KEY = f"Token {DEFAULT_TOKEN}"
SECOND_API_KEY = f"Token {SECOND_TOKEN}"
# What a user of this API exports for its suite: jake's key and login; jane's key, a second identity.
SUITE_ENVIRONMENT = {
    "TESTOPS_API_KEY": DEFAULT_API_KEY,
    "TESTOPS_API_KEY_2": SECOND_API_KEY,
    "TESTOPS_API_USERNAME": DEMO_USER["email"],
    "TESTOPS_API_PASSWORD": DEMO_USER["password"],
}


class Variant(StrEnum):
    """Which build of the service to run: the correct one, a buggy mutant, or a harmless change."""

    CORRECT = "correct"
    # Buggy: a good suite fails on each of these.
    TAG_FILTER_IGNORED = "tag_filter_ignored"  # GET /articles?tag=x lists every article
    LIMIT_IGNORED = "limit_ignored"  # ?limit=n always returns the default page of 20
    OFFSET_OFF_BY_ONE = "offset_off_by_one"  # offset read as 1-based: ?offset=1 repeats the first article
    ARTICLES_COUNT_IS_PAGE_SIZE = "articles_count_is_page_size"  # articlesCount counts the page, not matches
    FAVORITE_NOT_COUNTED = "favorite_not_counted"  # favorite sets favorited but favoritesCount stays
    UNFAVORITE_NOT_COUNTED = "unfavorite_not_counted"  # unfavorite clears favorited, favoritesCount stays
    DELETE_OTHERS_ARTICLE = "delete_others_article"  # any user can delete anyone's article (no 403)
    COMMENTS_OUTLIVE_ARTICLE = "comments_outlive_article"  # a deleted article's comments are still listed
    DUPLICATE_EMAIL_ACCEPTED = "duplicate_email_accepted"  # registration with a taken email answers 201
    WRONG_PASSWORD_ACCEPTED = "wrong_password_accepted"  # login checks the email only
    UPDATE_USER_IGNORES_BIO = "update_user_ignores_bio"  # PUT /user drops `bio`, still answers 200
    SLUG_KEPT_ON_RENAME = "slug_kept_on_rename"  # changing the title leaves the old slug
    FEED_WITHOUT_AUTH = "feed_without_auth"  # GET /articles/feed without a token answers 200
    UNKNOWN_SLUG_500 = "unknown_slug_500"  # GET /articles/{unknown} crashes with 500 instead of 404
    # Harmless: a good suite passes on each of these.
    EXTRA_HEADER = "extra_header"  # an X-Request-Id header on every response
    EXTRA_OPTIONAL_FIELD = "extra_optional_field"  # articles also carry their numeric `id`
    REORDERED_KEYS = "reordered_keys"  # every JSON object's keys in reverse order
    SLOW_BUT_FINE = "slow_but_fine"  # 50 ms per response


BUGGY_VARIANTS: tuple[Variant, ...] = (
    Variant.TAG_FILTER_IGNORED,
    Variant.LIMIT_IGNORED,
    Variant.OFFSET_OFF_BY_ONE,
    Variant.ARTICLES_COUNT_IS_PAGE_SIZE,
    Variant.FAVORITE_NOT_COUNTED,
    Variant.UNFAVORITE_NOT_COUNTED,
    Variant.DELETE_OTHERS_ARTICLE,
    Variant.COMMENTS_OUTLIVE_ARTICLE,
    Variant.DUPLICATE_EMAIL_ACCEPTED,
    Variant.WRONG_PASSWORD_ACCEPTED,
    Variant.UPDATE_USER_IGNORES_BIO,
    Variant.SLUG_KEPT_ON_RENAME,
    Variant.FEED_WITHOUT_AUTH,
    Variant.UNKNOWN_SLUG_500,
)
HARMLESS_VARIANTS: tuple[Variant, ...] = (
    Variant.EXTRA_HEADER,
    Variant.EXTRA_OPTIONAL_FIELD,
    Variant.REORDERED_KEYS,
    Variant.SLOW_BUT_FINE,
)


def load_requirements() -> list[str]:
    """The requirements of requirements.txt, read as `testops --requirements-file` reads them."""
    return read_requirements_file(REQUIREMENTS_PATH)


# --- domain -------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A failure with a documented status, rendered as {"errors": {"body": [...]}} by `ConduitApi.handle`."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _invalid(message: str) -> ApiError:
    return ApiError(HTTPStatus.UNPROCESSABLE_ENTITY, message)


def _not_found(what: str) -> ApiError:
    return ApiError(HTTPStatus.NOT_FOUND, f"{what} not found")


@dataclass
class User:
    """A registered user; `following` holds the ids of the users they follow."""

    id: int
    username: str
    email: str
    password: str
    token: str
    bio: str | None = None
    image: str | None = None
    following: set[int] = field(default_factory=set)


@dataclass
class Article:
    """A stored article. Deletion is soft (`deleted`), so every lookup must skip deleted articles."""

    id: int
    slug: str
    title: str
    description: str
    body: str
    tag_list: list[str]
    author_id: int
    created_at: str
    updated_at: str
    favorited_by: set[int] = field(default_factory=set)
    favorites_count: int = 0  # kept beside favorited_by, as a denormalised counter column would be
    deleted: bool = False


@dataclass(frozen=True)
class Comment:
    """A comment on an article."""

    id: int
    article_id: int
    author_id: int
    body: str
    created_at: str


@dataclass
class Store:
    """In-memory state of one server instance; callers hold `lock` for every read and write."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    users: dict[int, User] = field(default_factory=dict)
    articles: dict[int, Article] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    ticks: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def now(self) -> str:
        """The next tick of the deterministic clock."""
        moment = CLOCK_BASE + timedelta(seconds=next(self.ticks))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True)
class Request:
    """What an operation needs from an HTTP request, already split from the transport."""

    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    viewer: User | None = None

    @property
    def user(self) -> User:
        """The authenticated user; routing guarantees one for operations that require authentication."""
        assert self.viewer is not None
        return self.viewer

    def wrapped(self, key: str) -> dict[str, Any]:
        """The object under `key` of a JSON body such as {"user": {...}}, or 422."""
        try:
            value = json.loads(self.body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError both derive from ValueError
            raise _invalid("body must be a JSON object") from exc
        if not isinstance(value, dict) or not isinstance(value.get(key), dict):
            raise _invalid(f"{key} can't be empty")
        return value[key]

    def query_integer(self, name: str, *, default: int, minimum: int) -> int:
        """An integer query parameter of at least `minimum`, or 422."""
        raw = self.query.get(name)
        if raw is None:
            return default
        if not _INTEGER.fullmatch(raw):
            raise _invalid(f"{name} must be an integer")
        if int(raw) < minimum:
            raise _invalid(f"{name} must be at least {minimum}")
        return int(raw)


@dataclass(frozen=True)
class Reply:
    """An operation's answer; `body=None` means no content."""

    status: HTTPStatus
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _text(data: dict[str, Any], name: str) -> str:
    """A required, non-empty string field."""
    value = data.get(name)
    if value is None or value == "":
        raise _invalid(f"{name} can't be empty")
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string")
    return value


def _nullable_text(data: dict[str, Any], name: str) -> str | None:
    value = data[name]
    if value is not None and not isinstance(value, str):
        raise _invalid(f"{name} must be a string or null")
    return value


def _tag_list(data: dict[str, Any]) -> list[str]:
    tags = data.get("tagList", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) and tag for tag in tags):
        raise _invalid("tagList must be an array of non-empty strings")
    return list(dict.fromkeys(tags))


def _slugify(title: str) -> str:
    return _SLUG_GAPS.sub("-", title.lower()).strip("-") or "article"


# --- operations -------------------------------------------------------------------------------------------

Auth = Literal["none", "optional", "required"]


class ConduitApi:
    """The operations of spec.yaml over one in-memory store, independent of the HTTP transport."""

    def __init__(self, variant: Variant = Variant.CORRECT, token: str = DEFAULT_TOKEN) -> None:
        self.variant = Variant(variant)
        self.store = Store()
        self._request_ids = itertools.count(1)
        for account, account_token in ((DEMO_USER, token), (SECOND_USER, SECOND_TOKEN)):
            user = User(id=next(self.store.ids), token=account_token, **account)
            self.store.users[user.id] = user

    def handle(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Reply:
        """Route, authenticate, run the operation and map errors; the only place statuses meet exceptions."""
        route, params = _match(path)
        if route is None:
            return self._finish(_error(HTTPStatus.NOT_FOUND, f"no route for {path}"))
        endpoint = route.endpoints.get(method)
        if endpoint is None:
            reply = _error(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} not allowed")
            return self._finish(replace(reply, headers={"Allow": ", ".join(route.endpoints)}))
        operation, auth = endpoint
        with self.store.lock:
            viewer = self._viewer(authorization) if auth != "none" and authorization is not None else None
            if (authorization is not None and auth != "none" and viewer is None) or (
                authorization is None and self._needs_token(operation, auth)
            ):
                return self._finish(Reply(HTTPStatus.UNAUTHORIZED, headers={"WWW-Authenticate": "Token"}))
            query_params = {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()}
            request = Request(params=params, query=query_params, body=body, viewer=viewer)
            try:
                reply = operation(self, request)
            except ApiError as exc:
                reply = _error(exc.status, exc.message)
            except Exception:  # an unexpected failure is a 500, as a real framework would answer
                reply = _error(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
        return self._finish(reply)

    def _needs_token(self, operation: Operation, auth: Auth) -> bool:
        # Bug: the feed route was registered without its auth guard, so anonymous readers get an empty feed.
        if self.variant is Variant.FEED_WITHOUT_AUTH and operation is ConduitApi.feed_articles:
            return False
        return auth == "required"

    def _viewer(self, authorization: str) -> User | None:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "token":
            return None
        token = credentials.strip()
        return next((u for u in self.store.users.values() if hmac.compare_digest(u.token, token)), None)

    def _finish(self, reply: Reply) -> Reply:
        """Apply the harmless variants, which touch every response alike."""
        headers = dict(reply.headers)
        body = reply.body
        # Harmless: a tracing header the spec neither promises nor forbids.
        if self.variant is Variant.EXTRA_HEADER:
            headers["X-Request-Id"] = f"req-{next(self._request_ids)}"
        # Harmless: JSON objects are unordered, so key order must not matter to a client.
        if self.variant is Variant.REORDERED_KEYS:
            body = reversed_keys(body)
        # Harmless: slower, but far inside any sensible timeout.
        if self.variant is Variant.SLOW_BUT_FINE:
            time.sleep(_SLOW_DELAY_S)
        return replace(reply, body=body, headers=headers)

    # --- lookups and renderings ---

    def _user_named(self, username: str) -> User | None:
        return next((u for u in self.store.users.values() if u.username == username), None)

    def _profile_of(self, request: Request) -> User:
        user = self._user_named(request.params["username"])
        if user is None:
            raise _not_found("profile")
        return user

    def _article(self, slug: str, *, include_deleted: bool = False) -> Article:
        for article in self.store.articles.values():
            if article.slug == slug and (include_deleted or not article.deleted):
                return article
        raise _not_found("article")

    def _unique_slug(self, title: str, article_id: int | None = None) -> str:
        base = _slugify(title)
        taken = {a.slug for a in self.store.articles.values() if not a.deleted and a.id != article_id}
        candidates = itertools.chain([base], (f"{base}-{n}" for n in itertools.count(2)))
        return next(slug for slug in candidates if slug not in taken)

    def _user_json(self, user: User) -> dict[str, Any]:
        return {
            "email": user.email,
            "token": user.token,
            "username": user.username,
            "bio": user.bio,
            "image": user.image,
        }

    def _profile_json(self, user: User, viewer: User | None) -> dict[str, Any]:
        following = viewer is not None and user.id in viewer.following
        return {"username": user.username, "bio": user.bio, "image": user.image, "following": following}

    def _article_json(
        self, article: Article, viewer: User | None, *, with_body: bool = True
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "slug": article.slug,
            "title": article.title,
            "description": article.description,
        }
        if with_body:
            data["body"] = article.body
        data |= {
            "tagList": list(article.tag_list),
            "createdAt": article.created_at,
            "updatedAt": article.updated_at,
            "favorited": viewer is not None and viewer.id in article.favorited_by,
            "favoritesCount": article.favorites_count,
            "author": self._profile_json(self.store.users[article.author_id], viewer),
        }
        # Harmless: an extra property; the Article schemas do not forbid additional properties.
        if self.variant is Variant.EXTRA_OPTIONAL_FIELD:
            data["id"] = article.id
        return data

    def _comment_json(self, comment: Comment, viewer: User | None) -> dict[str, Any]:
        author = self._profile_json(self.store.users[comment.author_id], viewer)
        return {
            "id": comment.id,
            "createdAt": comment.created_at,
            "updatedAt": comment.created_at,
            "body": comment.body,
            "author": author,
        }

    def _articles_page(self, request: Request, matching: list[Article]) -> Reply:
        """The most recent first page of `matching` that limit and offset select."""
        limit = request.query_integer("limit", default=_DEFAULT_LIMIT, minimum=1)
        offset = request.query_integer("offset", default=0, minimum=0)
        # Bug: the limit parameter is parsed but never used.
        if self.variant is Variant.LIMIT_IGNORED:
            limit = _DEFAULT_LIMIT
        # Bug: the offset is treated as 1-based, so consecutive pages overlap by one article.
        start = max(offset - 1, 0) if self.variant is Variant.OFFSET_OFF_BY_ONE else offset
        newest_first = sorted(matching, key=lambda article: article.id, reverse=True)
        page = [
            self._article_json(a, request.viewer, with_body=False)
            for a in newest_first[start : start + limit]
        ]
        # Bug: the count is taken from the page instead of from the matching articles.
        count = len(page) if self.variant is Variant.ARTICLES_COUNT_IS_PAGE_SIZE else len(matching)
        return Reply(HTTPStatus.OK, {"articles": page, "articlesCount": count})

    def _owned_article(self, request: Request, action: str) -> Article:
        article = self._article(request.params["slug"])
        if article.author_id != request.user.id:
            raise ApiError(HTTPStatus.FORBIDDEN, f"only the author can {action} this article")
        return article

    def _check_unique(self, user: User | None, *, email: str | None, username: str | None) -> None:
        others = [u for u in self.store.users.values() if u is not user]
        # Bug: the registration handler checks the username only.
        check_email = not (self.variant is Variant.DUPLICATE_EMAIL_ACCEPTED and user is None)
        if check_email and email is not None and any(u.email.lower() == email.lower() for u in others):
            raise _invalid("email has already been taken")
        if username is not None and any(u.username == username for u in others):
            raise _invalid("username has already been taken")

    # --- users ---

    def login(self, request: Request) -> Reply:
        data = request.wrapped("user")
        email, password = _text(data, "email"), _text(data, "password")
        user = next((u for u in self.store.users.values() if u.email.lower() == email.lower()), None)
        # Bug: the password comparison was lost in a refactoring; any password logs in.
        password_ok = self.variant is Variant.WRONG_PASSWORD_ACCEPTED or (
            user is not None and hmac.compare_digest(user.password, password)
        )
        if user is None or not password_ok:
            return Reply(HTTPStatus.UNAUTHORIZED, headers={"WWW-Authenticate": "Token"})
        return Reply(HTTPStatus.OK, {"user": self._user_json(user)})

    def register(self, request: Request) -> Reply:
        data = request.wrapped("user")
        username, email, password = _text(data, "username"), _text(data, "email"), _text(data, "password")
        self._check_unique(None, email=email, username=username)
        ident = next(self.store.ids)
        user = User(id=ident, username=username, email=email, password=password, token=_jwt(ident, username))
        self.store.users[ident] = user
        return Reply(HTTPStatus.CREATED, {"user": self._user_json(user)})

    def current_user(self, request: Request) -> Reply:
        return Reply(HTTPStatus.OK, {"user": self._user_json(request.user)})

    def update_user(self, request: Request) -> Reply:
        data = request.wrapped("user")
        if not data:
            raise _invalid("user: at least one field is required")
        changes = {name: _text(data, name) for name in ("email", "username", "password") if name in data}
        changes |= {name: _nullable_text(data, name) for name in ("bio", "image") if name in data}
        # Bug: bio was left out of the columns the update writes.
        if self.variant is Variant.UPDATE_USER_IGNORES_BIO:
            changes.pop("bio", None)
        user = request.user
        self._check_unique(user, email=changes.get("email"), username=changes.get("username"))
        for name, value in changes.items():
            setattr(user, name, value)
        return Reply(HTTPStatus.OK, {"user": self._user_json(user)})

    # --- profiles ---

    def get_profile(self, request: Request) -> Reply:
        return Reply(
            HTTPStatus.OK, {"profile": self._profile_json(self._profile_of(request), request.viewer)}
        )

    def follow(self, request: Request) -> Reply:
        profile = self._profile_of(request)
        request.user.following.add(profile.id)
        return Reply(HTTPStatus.OK, {"profile": self._profile_json(profile, request.user)})

    def unfollow(self, request: Request) -> Reply:
        profile = self._profile_of(request)
        request.user.following.discard(profile.id)
        return Reply(HTTPStatus.OK, {"profile": self._profile_json(profile, request.user)})

    # --- articles ---

    def list_articles(self, request: Request) -> Reply:
        tag, author, favorited = (request.query.get(name) for name in ("tag", "author", "favorited"))
        # Bug: the tag filter is read but never applied.
        if self.variant is Variant.TAG_FILTER_IGNORED:
            tag = None
        fan = self._user_named(favorited) if favorited is not None else None
        matching = [
            article
            for article in self.store.articles.values()
            if not article.deleted
            and (tag is None or tag in article.tag_list)
            and (author is None or self.store.users[article.author_id].username == author)
            and (favorited is None or (fan is not None and fan.id in article.favorited_by))
        ]
        return self._articles_page(request, matching)

    def feed_articles(self, request: Request) -> Reply:
        following = request.viewer.following if request.viewer is not None else set()
        matching = [a for a in self.store.articles.values() if not a.deleted and a.author_id in following]
        return self._articles_page(request, matching)

    def create_article(self, request: Request) -> Reply:
        data = request.wrapped("article")
        title, description, body = _text(data, "title"), _text(data, "description"), _text(data, "body")
        tags = _tag_list(data)
        ident, now = next(self.store.ids), self.store.now()
        article = Article(
            id=ident,
            slug=self._unique_slug(title),
            title=title,
            description=description,
            body=body,
            tag_list=tags,
            author_id=request.user.id,
            created_at=now,
            updated_at=now,
        )
        self.store.articles[ident] = article
        return Reply(HTTPStatus.CREATED, {"article": self._article_json(article, request.viewer)})

    def get_article(self, request: Request) -> Reply:
        slug = request.params["slug"]
        if self.variant is Variant.UNKNOWN_SLUG_500:
            # Bug: the lookup assumes the slug exists; StopIteration escapes as a 500.
            article = next(a for a in self.store.articles.values() if a.slug == slug and not a.deleted)
        else:
            article = self._article(slug)
        return Reply(HTTPStatus.OK, {"article": self._article_json(article, request.viewer)})

    def update_article(self, request: Request) -> Reply:
        data = request.wrapped("article")
        changes = {name: _text(data, name) for name in ("title", "description", "body") if name in data}
        article = self._owned_article(request, "update")
        if "title" in changes and changes["title"] != article.title:
            # Bug: the slug is computed once at creation and never again.
            if self.variant is not Variant.SLUG_KEPT_ON_RENAME:
                article.slug = self._unique_slug(changes["title"], article.id)
        if changes:
            article.title = changes.get("title", article.title)
            article.description = changes.get("description", article.description)
            article.body = changes.get("body", article.body)
            article.updated_at = self.store.now()
        return Reply(HTTPStatus.OK, {"article": self._article_json(article, request.viewer)})

    def delete_article(self, request: Request) -> Reply:
        # Bug: the ownership check is missing; any authenticated user deletes any article.
        if self.variant is Variant.DELETE_OTHERS_ARTICLE:
            article = self._article(request.params["slug"])
        else:
            article = self._owned_article(request, "delete")
        article.deleted = True
        return Reply(HTTPStatus.NO_CONTENT)

    # --- comments ---

    def list_comments(self, request: Request) -> Reply:
        # Bug: this query forgot the soft-delete filter, so a deleted article's comments are still listed.
        include_deleted = self.variant is Variant.COMMENTS_OUTLIVE_ARTICLE
        article = self._article(request.params["slug"], include_deleted=include_deleted)
        comments = [c for c in self.store.comments.values() if c.article_id == article.id]
        return Reply(HTTPStatus.OK, {"comments": [self._comment_json(c, request.viewer) for c in comments]})

    def add_comment(self, request: Request) -> Reply:
        data = request.wrapped("comment")
        body = _text(data, "body")
        article = self._article(request.params["slug"])
        ident = next(self.store.ids)
        comment = Comment(
            id=ident, article_id=article.id, author_id=request.user.id, body=body, created_at=self.store.now()
        )
        self.store.comments[ident] = comment
        return Reply(HTTPStatus.OK, {"comment": self._comment_json(comment, request.viewer)})

    def delete_comment(self, request: Request) -> Reply:
        article = self._article(request.params["slug"])
        raw_id = request.params["id"]
        comment = self.store.comments.get(int(raw_id)) if raw_id.isascii() and raw_id.isdigit() else None
        if comment is None or comment.article_id != article.id:
            raise _not_found("comment")
        if comment.author_id != request.user.id:
            raise ApiError(HTTPStatus.FORBIDDEN, "only the author can delete this comment")
        del self.store.comments[comment.id]
        return Reply(HTTPStatus.NO_CONTENT)

    # --- favorites and tags ---

    def favorite(self, request: Request) -> Reply:
        article = self._article(request.params["slug"])
        if request.user.id not in article.favorited_by:
            article.favorited_by.add(request.user.id)
            # Bug: the counter column is not incremented.
            if self.variant is not Variant.FAVORITE_NOT_COUNTED:
                article.favorites_count += 1
        return Reply(HTTPStatus.OK, {"article": self._article_json(article, request.viewer)})

    def unfavorite(self, request: Request) -> Reply:
        article = self._article(request.params["slug"])
        if request.user.id in article.favorited_by:
            article.favorited_by.discard(request.user.id)
            # Bug: the counter column is not decremented.
            if self.variant is not Variant.UNFAVORITE_NOT_COUNTED:
                article.favorites_count = max(article.favorites_count - 1, 0)
        return Reply(HTTPStatus.OK, {"article": self._article_json(article, request.viewer)})

    def tags(self, request: Request) -> Reply:
        live = [a for a in sorted(self.store.articles.values(), key=lambda a: a.id) if not a.deleted]
        return Reply(HTTPStatus.OK, {"tags": list(dict.fromkeys(tag for a in live for tag in a.tag_list))})


def _error(status: HTTPStatus, message: str) -> Reply:
    return Reply(status, {"errors": {"body": [message]}})


Operation = Callable[[ConduitApi, Request], Reply]


@dataclass(frozen=True)
class Route:
    """One path template (below /api) and the operations behind its methods, with their authentication."""

    pattern: re.Pattern[str]
    endpoints: dict[str, tuple[Operation, Auth]]


ROUTES: tuple[Route, ...] = (
    Route(re.compile(r"/users/login"), {"POST": (ConduitApi.login, "none")}),
    Route(re.compile(r"/users"), {"POST": (ConduitApi.register, "none")}),
    Route(
        re.compile(r"/user"),
        {"GET": (ConduitApi.current_user, "required"), "PUT": (ConduitApi.update_user, "required")},
    ),
    Route(re.compile(r"/profiles/(?P<username>[^/]+)"), {"GET": (ConduitApi.get_profile, "optional")}),
    Route(
        re.compile(r"/profiles/(?P<username>[^/]+)/follow"),
        {"POST": (ConduitApi.follow, "required"), "DELETE": (ConduitApi.unfollow, "required")},
    ),
    Route(re.compile(r"/articles/feed"), {"GET": (ConduitApi.feed_articles, "required")}),
    Route(
        re.compile(r"/articles"),
        {"GET": (ConduitApi.list_articles, "optional"), "POST": (ConduitApi.create_article, "required")},
    ),
    Route(
        re.compile(r"/articles/(?P<slug>[^/]+)"),
        {
            "GET": (ConduitApi.get_article, "optional"),
            "PUT": (ConduitApi.update_article, "required"),
            "DELETE": (ConduitApi.delete_article, "required"),
        },
    ),
    Route(
        re.compile(r"/articles/(?P<slug>[^/]+)/comments"),
        {"GET": (ConduitApi.list_comments, "optional"), "POST": (ConduitApi.add_comment, "required")},
    ),
    Route(
        re.compile(r"/articles/(?P<slug>[^/]+)/comments/(?P<id>[^/]+)"),
        {"DELETE": (ConduitApi.delete_comment, "required")},
    ),
    Route(
        re.compile(r"/articles/(?P<slug>[^/]+)/favorite"),
        {"POST": (ConduitApi.favorite, "required"), "DELETE": (ConduitApi.unfavorite, "required")},
    ),
    Route(re.compile(r"/tags"), {"GET": (ConduitApi.tags, "none")}),
)


def _match(path: str) -> tuple[Route | None, dict[str, str]]:
    if not path.startswith(API_PREFIX + "/"):
        return None, {}
    for route in ROUTES:
        found = route.pattern.fullmatch(path.removeprefix(API_PREFIX))
        if found:
            return route, {name: unquote(value) for name, value in found.groupdict().items()}
    return None, {}


# --- HTTP transport ---------------------------------------------------------------------------------------


class ConduitHandler(JsonServiceHandler):
    """Turns HTTP/1.1 requests into `ConduitApi.handle` calls and writes the replies."""

    server: ConduitServer
    server_version = "Conduit/1.1"


class ConduitServer(LoopbackHTTPServer):
    """A threading HTTP server that owns one `ConduitApi` (and so one store)."""

    def __init__(self, address: tuple[str, int], api: ConduitApi) -> None:
        self.api = api
        super().__init__(address, ConduitHandler)


def make_server(
    variant: Variant = Variant.CORRECT, *, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0
) -> ConduitServer:
    """A bound, not yet serving, server for `variant`, demo user holding `token`; port 0 picks a free port."""
    return ConduitServer((host, port), ConduitApi(Variant(variant), token))


@contextmanager
def serve(
    variant: Variant = Variant.CORRECT, *, token: str = DEFAULT_TOKEN, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Run the service on a daemon thread and yield its base URL (ending in /api); shut it down on exit."""
    server = make_server(variant, token=token, host=host, port=port)
    with running(server, name=f"conduit-{variant}", path=API_PREFIX) as url:
        yield url


def main(argv: Sequence[str] | None = None) -> None:
    """Run the service in the foreground until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m samples.conduit", description="RealWorld Conduit API sample"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port (default: 8080)")
    parser.add_argument("--variant", choices=[v.value for v in Variant], default=Variant.CORRECT.value)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="JWT of the demo user jake")
    args = parser.parse_args(argv)

    server = make_server(Variant(args.variant), token=args.token, host=args.host, port=args.port)
    serve_until_interrupted(server, title=f"Conduit API, variant {args.variant}", path=API_PREFIX)


if __name__ == "__main__":
    main()
