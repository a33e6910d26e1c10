"""Reconnaissance of a web page in a real browser: what is on it, how to locate it, what it does when used.

One JavaScript pass reads the DOM (elements, labels, roles, constraints); every candidate locator is then
checked with Playwright against the live page, so `matches` is a fact, not a guess. With `explore`, recon
fills and submits forms, clicks buttons and records what changed, restoring the page after each action.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any, cast
from urllib.parse import urldefrag, urlsplit

from playwright.async_api import ConsoleMessage, Dialog, Locator, Page, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import BaseModel, ConfigDict

from tools.browser import BrowserSession
from tools.errors import InputError, TargetUnreachableError
from vocabulary.page_model import (
    Button,
    CountChange,
    FailedRequest,
    Form,
    Heading,
    InputField,
    Interaction,
    InteractionKind,
    Landmark,
    Link,
    LocatorCandidate,
    PageModel,
    Select,
    SelectOption,
    SiteMapEntry,
)

MAX_INTERACTIONS = 10
MAX_SITE_MAP_PAGES = 25
PAGE_TEXT_LIMIT = 60
DIFF_TEXT_LIMIT = 20
ARIA_SNAPSHOT_LIMIT = 30_000
# exploring must stay quick: a control that is not ready within this is reported, not waited for
EXPLORE_ACTION_TIMEOUT_MS = 2_000
RESTORE_TIMEOUT_MS = 5_000
# after an action: DOM quiet for QUIET_MS, or give up waiting after SETTLE_MAX_MS
QUIET_MS = 120
SETTLE_MAX_MS = 1_500
# following or exploring these could end the session or destroy data on a real site
_RISKY_WORDS = re.compile(r"log\s*out|sign\s*out|logout|signout|delete\s+account|unsubscribe", re.IGNORECASE)

# --- JavaScript run in the page --------------------------------------------------------------------------

_JS_HELPERS = r"""
const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
const visible = (el) => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
};
const byIds = (el, attr) => norm((el.getAttribute(attr) || "").split(/\s+/).map((id) => {
  const ref = id && document.getElementById(id);
  return ref ? ref.textContent : "";
}).join(" "));
const labelText = (el) => norm(Array.from(el.labels || []).map((label) => {
  const copy = label.cloneNode(true);
  copy.querySelectorAll("input, select, textarea, button").forEach((n) => n.remove());
  return copy.textContent;
}).join(" "));
const INPUT_ROLES = {button: "button", checkbox: "checkbox", image: "button", number: "spinbutton",
  radio: "radio", range: "slider", reset: "button", submit: "button", file: "button"};
const TAG_ROLES = {MAIN: "main", NAV: "navigation", ASIDE: "complementary", BUTTON: "button",
  TEXTAREA: "textbox", H1: "heading", H2: "heading", H3: "heading", H4: "heading", H5: "heading",
  H6: "heading", LI: "listitem", UL: "list", OL: "list", ARTICLE: "article", TABLE: "table"};
const hasName = (el) => !!(el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")
  || el.getAttribute("title"));
const implicitRole = (el) => {
  const tag = el.tagName;
  if (tag === "A" || tag === "AREA") return el.hasAttribute("href") ? "link" : null;
  if (tag === "SELECT") return el.multiple || el.size > 1 ? "listbox" : "combobox";
  if (tag === "INPUT") {
    const type = (el.type || "text").toLowerCase();
    if (["email", "search", "tel", "text", "url", ""].includes(type)) {
      if (el.list) return "combobox";
      return type === "search" ? "searchbox" : "textbox";
    }
    return type === "hidden" ? null : (INPUT_ROLES[type] || "textbox");
  }
  if (tag === "HEADER" || tag === "FOOTER") {
    if (el.closest("article, aside, main, nav, section") !== null) return null;
    return tag === "HEADER" ? "banner" : "contentinfo";
  }
  if (tag === "FORM") return hasName(el) ? "form" : null;
  if (tag === "SECTION") return hasName(el) ? "region" : null;
  return TAG_ROLES[tag] || null;
};
const roleOf = (el) => norm(el.getAttribute("role")).split(" ")[0] || implicitRole(el);
const nameOf = (el) => {
  const labelled = byIds(el, "aria-labelledby");
  if (labelled) return labelled;
  const aria = norm(el.getAttribute("aria-label"));
  if (aria) return aria;
  if (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT") {
    const type = (el.type || "").toLowerCase();
    if (type === "submit") return norm(el.value) || "Submit";
    if (type === "reset") return norm(el.value) || "Reset";
    if (type === "button") return norm(el.value);
    if (type === "image") return norm(el.alt);
    return labelText(el) || norm(el.title) || norm(el.placeholder);
  }
  const imgs = Array.from(el.querySelectorAll("img[alt]")).map((img) => img.alt).join(" ");
  return norm(el.textContent) || norm(el.title) || norm(imgs);
};
const cssPath = (el) => {
  const unique = (sel) => document.querySelectorAll(sel).length === 1;
  if (el.id && unique("#" + CSS.escape(el.id))) return "#" + CSS.escape(el.id);
  const tag = el.tagName.toLowerCase();
  const name = el.getAttribute("name");
  if (name) {
    const byName = tag + '[name="' + name.replace(/["\\]/g, "\\$&") + '"]';
    if (unique(byName)) return byName;
  }
  const parts = [];
  let node = el;
  while (node && node.nodeType === 1 && node !== document.body) {
    if (node.id && unique("#" + CSS.escape(node.id))) {
      parts.unshift("#" + CSS.escape(node.id));
      return parts.join(" > ");
    }
    const same = Array.from(node.parentElement.children).filter((c) => c.tagName === node.tagName);
    const part = node.tagName.toLowerCase();
    parts.unshift(same.length > 1 ? part + ":nth-of-type(" + (same.indexOf(node) + 1) + ")" : part);
    node = node.parentElement;
  }
  parts.unshift("body");
  return parts.join(" > ");
};
// the list item, row or card holding an element, and the first text in it that is not the element's own
const containerOf = (el) => {
  const box = el.parentElement && el.parentElement.closest("li, tr, article, [role=listitem], [role=row]");
  if (!box) return null;
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = norm(node.textContent);
    if (text && !el.contains(node)) return { role: roleOf(box), text: text.slice(0, 80) };
  }
  return null;
};
const SKIP_TEXT = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SELECT", "OPTION", "TEXTAREA"]);
const collectTexts = (limit) => {
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_ELEMENT, {
    acceptNode: (el) => SKIP_TEXT.has(el.tagName) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  let taken = null;
  for (let el = walker.nextNode(); el && out.length < limit; el = walker.nextNode()) {
    // a block already taken as a whole includes the text of everything inside it
    if (taken && taken.contains(el)) continue;
    const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent);
    if (!norm(own.join(" ")) || !visible(el)) continue;
    let text = norm(el.textContent);
    if (text.length > 200) text = norm(own.join(" ")); else taken = el;
    if (text.length < 2 || seen.has(text)) continue;
    seen.add(text);
    out.push(text.slice(0, 200));
  }
  return out;
};
"""

_COLLECT_JS = (
    "() => {"
    + _JS_HELPERS
    + r"""
  const registry = [];
  window.__testopsRecon = registry;
  const keep = (el) => registry.push(el) - 1;
  const attr = (el, name) => el.getAttribute(name);
  const count = (el, name) => {
    const n = parseInt(el.getAttribute(name) || "", 10);
    return Number.isFinite(n) && n >= 0 ? n : null;
  };
  const forms = Array.from(document.forms).filter(visible).slice(0, 10);
  const formOf = (el) => { const i = forms.indexOf(el.form); return i >= 0 ? i : null; };
  const NOT_TEXT = new Set(["hidden", "submit", "button", "reset", "image"]);
  const inputs = Array.from(document.querySelectorAll("input, textarea"))
    .filter((el) => !NOT_TEXT.has((el.type || "").toLowerCase()) && visible(el)).slice(0, 40)
    .map((el) => ({
      idx: keep(el), css: cssPath(el), form: formOf(el), tag: el.tagName.toLowerCase(),
      type: (el.type || "text").toLowerCase(), name: el.getAttribute("name") || "", label: labelText(el),
      placeholder: el.getAttribute("placeholder") || "", required: el.required, disabled: el.disabled,
      min: attr(el, "min"), max: attr(el, "max"), minlength: count(el, "minlength"),
      maxlength: count(el, "maxlength"), pattern: attr(el, "pattern"), test_id: attr(el, "data-testid"),
      role: roleOf(el), accessible_name: nameOf(el), container: containerOf(el),
    }));
  const BUTTONS = "button, input[type=submit], input[type=button], input[type=reset], input[type=image], "
    + "[role=button]";
  const buttons = Array.from(document.querySelectorAll(BUTTONS)).filter(visible).slice(0, 40).map((el) => ({
    idx: keep(el), css: cssPath(el), form: formOf(el),
    text: el.tagName === "INPUT" ? norm(el.value || el.alt) : norm(el.textContent),
    role: roleOf(el), name: nameOf(el), type: (el.type || "button").toLowerCase(),
    disabled: !!el.disabled || el.getAttribute("aria-disabled") === "true", test_id: attr(el, "data-testid"),
    container: containerOf(el),
  }));
  const links = Array.from(document.querySelectorAll("a[href]")).filter(visible).slice(0, 60).map((el) => ({
    idx: keep(el), css: cssPath(el), text: norm(el.textContent), href: el.href, role: roleOf(el),
    name: nameOf(el), test_id: attr(el, "data-testid"), container: containerOf(el),
  }));
  const selects = Array.from(document.querySelectorAll("select")).filter(visible).slice(0, 20).map((el) => ({
    idx: keep(el), css: cssPath(el), form: formOf(el), label: labelText(el),
    name: el.getAttribute("name") || "",
    role: roleOf(el), accessible_name: nameOf(el), multiple: el.multiple, disabled: el.disabled,
    test_id: attr(el, "data-testid"), container: containerOf(el),
    options: Array.from(el.options).slice(0, 50).map((o) => ({
      value: o.value, label: norm(o.label || o.textContent), selected: o.selected })),
  }));
  const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6, [role=heading]"))
    .filter(visible).slice(0, 40).map((el) => ({
      level: parseInt(el.getAttribute("aria-level") || el.tagName.slice(1), 10) || 2,
      text: norm(el.textContent),
    }));
  const LANDMARKS = new Set(["banner", "navigation", "main", "contentinfo", "complementary", "search",
    "region", "form"]);
  const landmarks = Array.from(document.querySelectorAll(
    "header, nav, main, footer, aside, form, section, [role]")).filter(visible)
    .map((el) => ({
      role: roleOf(el), name: byIds(el, "aria-labelledby") || norm(el.getAttribute("aria-label")),
    }))
    .filter((l) => LANDMARKS.has(l.role)).slice(0, 30);
  const testIds = Array.from(new Set(Array.from(document.querySelectorAll("[data-testid]"))
    .map((el) => el.getAttribute("data-testid")))).slice(0, 100);
  return {
    title: document.title, url: location.href, headings, landmarks, inputs, buttons, links, selects,
    forms: forms.map((f) => ({ css: cssPath(f), name: norm(f.getAttribute("aria-label"))
      || f.getAttribute("name") || f.id || "" })),
    texts: collectTexts(PAGE_TEXT_LIMIT), test_ids: testIds,
  };
}""".replace("PAGE_TEXT_LIMIT", str(PAGE_TEXT_LIMIT))
)

_STATE_JS = (
    "() => {"
    + _JS_HELPERS
    + r"""
  const COUNTED = ["li", "tr", "button", "a[href]", "input", "select", "textarea", "img", "article",
    "[role=alert]", "[role=listitem]", "[role=row]"];
  const counts = {};
  for (const sel of COUNTED) counts[sel] = Array.from(document.querySelectorAll(sel)).filter(visible).length;
  const controls = {};
  for (const el of document.querySelectorAll("button, input, select, textarea, [role=button]")) {
    if (!visible(el)) continue;
    const desc = (roleOf(el) || el.tagName.toLowerCase()) + ' "' + nameOf(el) + '"';
    if (!(desc in controls)) controls[desc] = !!el.disabled || el.getAttribute("aria-disabled") === "true";
  }
  return { url: location.href, texts: collectTexts(400), counts, controls };
}"""
)

# resolves once the DOM has been quiet for `quiet` ms, or after `max` ms whatever happens
_QUIET_JS = """(opts) => new Promise((resolve) => {
  let timer = null;
  const done = () => { observer.disconnect(); clearTimeout(timer); clearTimeout(limit); resolve(true); };
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, opts.quiet); });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  timer = setTimeout(done, opts.quiet);
  const limit = setTimeout(done, opts.max);
})"""

_IDENTITY_JS = "(els) => els.map((el) => (window.__testopsRecon || []).indexOf(el))"


# --- what the JavaScript returns ----------------------------------------------------------------------------


class _Raw(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _RawContainer(_Raw):
    role: str | None = None
    text: str


class _RawElement(_Raw):
    idx: int
    css: str
    role: str | None = None
    test_id: str | None = None
    container: _RawContainer | None = None


class _RawInput(_RawElement):
    form: int | None = None
    tag: str
    type: str
    name: str
    label: str
    placeholder: str
    required: bool
    disabled: bool
    min: str | None = None
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    pattern: str | None = None
    accessible_name: str

    def candidates(self) -> list[LocatorCandidate]:
        return [
            *_role_candidate(self, self.accessible_name),
            *_optional("label", self.label),
            *_optional("placeholder", self.placeholder),
            *_optional("test_id", self.test_id),
            LocatorCandidate(strategy="css", value=self.css),
        ]

    def build(self, key: str, locators: list[LocatorCandidate], form_key: str | None) -> InputField:
        fields = self.model_dump(exclude={"idx", "css", "form", "container"})
        return InputField(key=key, locators=locators, form_key=form_key, **fields)


class _RawButton(_RawElement):
    form: int | None = None
    text: str
    name: str
    type: str
    disabled: bool

    def candidates(self) -> list[LocatorCandidate]:
        return [
            *_role_candidate(self, self.name),
            *_optional("test_id", self.test_id),
            *_optional("text", self.text),
            LocatorCandidate(strategy="css", value=self.css),
        ]

    def build(self, key: str, locators: list[LocatorCandidate], form_key: str | None) -> Button:
        return Button(
            key=key,
            text=self.text,
            role_name=self.name,
            type=self.type,
            disabled=self.disabled,
            test_id=self.test_id,
            form_key=form_key,
            locators=locators,
        )


class _RawLink(_RawElement):
    text: str
    href: str
    name: str

    def candidates(self) -> list[LocatorCandidate]:
        return [
            *_role_candidate(self, self.name),
            *_optional("test_id", self.test_id),
            *_optional("text", self.text),
            LocatorCandidate(strategy="css", value=self.css),
        ]

    def build(self, key: str, locators: list[LocatorCandidate], page_url: str) -> Link:
        return Link(
            key=key,
            text=self.text or self.name,
            href=self.href,
            same_origin=_same_origin(self.href, page_url),
            test_id=self.test_id,
            locators=locators,
        )


class _RawSelect(_RawElement):
    form: int | None = None
    label: str
    name: str
    accessible_name: str
    multiple: bool
    disabled: bool
    options: list[SelectOption]

    def candidates(self) -> list[LocatorCandidate]:
        return [
            *_role_candidate(self, self.accessible_name),
            *_optional("label", self.label),
            *_optional("test_id", self.test_id),
            LocatorCandidate(strategy="css", value=self.css),
        ]

    def build(self, key: str, locators: list[LocatorCandidate], form_key: str | None) -> Select:
        return Select(
            key=key,
            label=self.label or self.accessible_name,
            name=self.name,
            options=self.options,
            multiple=self.multiple,
            disabled=self.disabled,
            test_id=self.test_id,
            form_key=form_key,
            locators=locators,
        )


_RawControl = _RawInput | _RawButton | _RawLink | _RawSelect


class _RawForm(_Raw):
    css: str
    name: str


class _RawPage(_Raw):
    title: str
    url: str
    headings: list[Heading]
    landmarks: list[Landmark]
    inputs: list[_RawInput]
    buttons: list[_RawButton]
    links: list[_RawLink]
    selects: list[_RawSelect]
    forms: list[_RawForm]
    texts: list[str]
    test_ids: list[str]


class _PageState(_Raw):
    url: str
    texts: list[str]
    counts: dict[str, int]
    controls: dict[str, bool]


# --- URL checks and errors ----------------------------------------------------------------------------------

_NET_ERRORS = {
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_NAME_NOT_RESOLVED": "host not found",
    "ERR_CONNECTION_TIMED_OUT": "connection timed out",
    "ERR_CONNECTION_RESET": "connection reset",
    "ERR_ADDRESS_UNREACHABLE": "address unreachable",
    "ERR_CERT_AUTHORITY_INVALID": "untrusted TLS certificate",
    "ERR_EMPTY_RESPONSE": "the server sent an empty response",
}


def validate_page_url(url: str) -> str:
    """The URL, stripped, if it is an absolute http(s) URL with a host; InputError otherwise."""
    url = url.strip()
    parts = urlsplit(url)
    if not parts.scheme:
        raise InputError(f"URL {url!r} has no scheme: use http:// or https://")
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(f"unsupported URL scheme {parts.scheme!r}: use http or https")
    if not parts.hostname:
        raise InputError(f"URL {url!r} has no host")
    return url


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _unreachable(url: str, error: PlaywrightError) -> TargetUnreachableError:
    if match := re.search(r"net::(ERR_[A-Z_]+)", str(error)):
        code = match.group(1)
        reason = _NET_ERRORS.get(code, code.removeprefix("ERR_").lower().replace("_", " "))
        return TargetUnreachableError(f"cannot reach {url}: {reason} (net::{code})")
    return TargetUnreachableError(f"cannot open {url}: {_first_line(error)}")


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g}s"


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc) and pa.scheme in ("http", "https")


# --- watching the page --------------------------------------------------------------------------------------


@dataclass
class _Sinks:
    """Where the page's console errors, failed requests and dialogs go at the moment (None: dropped)."""

    console: list[str] | None = None
    failed: list[FailedRequest] | None = None
    dialogs: list[str] | None = None


@dataclass
class _PageWatcher:
    """Listens to one page: in-flight requests (to know when an action settled), errors and dialogs."""

    page: Page
    sinks: _Sinks = field(default_factory=_Sinks)
    inflight: int = 0
    # requests already recorded by their error status: Chromium then also reports some as aborted
    _answered: set[Request] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.page.on("request", self._on_request)
        self.page.on("requestfinished", self._on_done)
        self.page.on("requestfailed", self._on_failed)
        self.page.on("response", self._on_response)
        self.page.on("console", self._on_console)
        self.page.on("dialog", self._on_dialog)

    def _on_request(self, _request: Request) -> None:
        self.inflight += 1

    def _on_done(self, _request: Request) -> None:
        self.inflight = max(0, self.inflight - 1)

    def _on_failed(self, request: Request) -> None:
        self._on_done(request)
        if self.sinks.failed is not None and request not in self._answered:
            self.sinks.failed.append(
                FailedRequest(url=request.url, method=request.method, error=request.failure)
            )

    def _on_response(self, response: Response) -> None:
        # the main document's status is recorded on the model itself
        main_document = response.request.is_navigation_request() and response.frame == self.page.main_frame
        if response.status >= 400 and not main_document and self.sinks.failed is not None:
            self._answered.add(response.request)
            self.sinks.failed.append(
                FailedRequest(url=response.url, method=response.request.method, status=response.status)
            )

    def _on_console(self, message: ConsoleMessage) -> None:
        # the browser asks for /favicon.ico on its own; a site without one is not a page error
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        if message.type == "error" and self.sinks.console is not None:
            self.sinks.console.append(message.text)

    async def _on_dialog(self, dialog: Dialog) -> None:
        if self.sinks.dialogs is not None:
            self.sinks.dialogs.append(f"{dialog.type}: {dialog.message}")
        # accepting lets confirm()-guarded actions go ahead, which is what a user exploring would do
        try:
            await dialog.accept()
        except PlaywrightError:
            pass  # the page went away meanwhile

    async def settle(self, baseline_inflight: int) -> None:
        """Wait (bounded) until requests started by an action finished and the DOM stopped changing."""
        deadline = monotonic() + SETTLE_MAX_MS / 1000
        while self.inflight > baseline_inflight and monotonic() < deadline:
            await asyncio.sleep(0.03)
        remaining = max(int((deadline - monotonic()) * 1000), QUIET_MS)
        try:
            await self.page.evaluate(_QUIET_JS, {"quiet": QUIET_MS, "max": remaining})
        except PlaywrightError:
            # the action navigated and the old document is gone: wait for the new one instead
            try:
                await self.page.wait_for_load_state("load", timeout=RESTORE_TIMEOUT_MS)
            except PlaywrightError:
                pass


# --- the entry point ----------------------------------------------------------------------------------------


async def reconnoitre_page(
    session: BrowserSession,
    url: str,
    *,
    depth: int = 1,
    settle_timeout_ms: int = 10_000,
    screenshot_dir: Path | None = None,
    explore: bool = True,
) -> PageModel:
    """Open `url` in a fresh context and describe the page; same-origin links are followed to `depth`."""
    url = validate_page_url(url)
    async with session.new_page() as page:
        console: list[str] = []
        failed: list[FailedRequest] = []
        watcher = _PageWatcher(page, _Sinks(console=console, failed=failed))
        status, notes = await _open(page, url, settle_timeout_ms)
        model = await read_page(page, url, status)
        watcher.sinks = _Sinks()
        aria = await page.locator("body").aria_snapshot(timeout=RESTORE_TIMEOUT_MS)
        if len(aria) > ARIA_SNAPSHOT_LIMIT:
            notes.append(f"aria snapshot cut to {ARIA_SNAPSHOT_LIMIT} characters")
        screenshot = await _screenshot(page, model.final_url, screenshot_dir) if screenshot_dir else None
        interactions = await _explore(page, model, watcher, notes) if explore else []
        site_map = await _site_map(page, model, depth, settle_timeout_ms) if depth > 0 else []
    return model.model_copy(
        update={
            "aria_snapshot": aria[:ARIA_SNAPSHOT_LIMIT],
            "console_errors": console,
            "failed_requests": failed,
            "screenshot_path": str(screenshot) if screenshot else None,
            "interactions": interactions,
            "site_map": site_map,
            "notes": notes,
        }
    )


async def _open(page: Page, url: str, settle_timeout_ms: int) -> tuple[int | None, list[str]]:
    """Navigate and wait for the load event (required) and network idle (hoped for); status and notes."""
    started = monotonic()
    try:
        response = await page.goto(url, wait_until="load", timeout=settle_timeout_ms)
    except PlaywrightTimeoutError:
        raise TargetUnreachableError(
            f"page did not settle within {_seconds(settle_timeout_ms)}: {url} never finished loading"
        ) from None
    except PlaywrightError as error:
        raise _unreachable(url, error) from None
    notes: list[str] = []
    remaining_ms = settle_timeout_ms - int((monotonic() - started) * 1000)
    try:
        # networkidle needs 500 ms without traffic, so never ask for less than that
        await page.wait_for_load_state("networkidle", timeout=max(remaining_ms, 600))
    except PlaywrightTimeoutError:
        notes.append(
            f"the network never went idle within {_seconds(settle_timeout_ms)} "
            "(long polling or streaming?); recon went on after the load event"
        )
    return (response.status if response else None), notes


# --- reading the page ---------------------------------------------------------------------------------------


async def read_page(page: Page, url: str, status: int | None) -> PageModel:
    """Describe the page as it is now, with every candidate locator checked against it."""
    raw = _RawPage.model_validate(await page.evaluate(_COLLECT_JS))
    form_keys = [f"form-{i}" for i in range(len(raw.forms))]

    def form_key(index: int | None) -> str | None:
        return form_keys[index] if index is not None and index < len(form_keys) else None

    inputs = [
        r.build(f"input-{i}", locs, form_key(r.form))
        for i, (r, locs) in enumerate(zip(raw.inputs, await _check_each(page, raw.inputs), strict=True))
    ]
    buttons = [
        r.build(f"button-{i}", locs, form_key(r.form))
        for i, (r, locs) in enumerate(zip(raw.buttons, await _check_each(page, raw.buttons), strict=True))
    ]
    links = [
        r.build(f"link-{i}", locs, raw.url)
        for i, (r, locs) in enumerate(zip(raw.links, await _check_each(page, raw.links), strict=True))
    ]
    selects = [
        r.build(f"select-{i}", locs, form_key(r.form))
        for i, (r, locs) in enumerate(zip(raw.selects, await _check_each(page, raw.selects), strict=True))
    ]
    return PageModel(
        url=url,
        final_url=raw.url,
        status=status,
        title=raw.title,
        headings=raw.headings,
        landmarks=raw.landmarks,
        forms=_forms(raw.forms, form_keys, inputs, buttons, selects),
        inputs=inputs,
        buttons=buttons,
        links=links,
        selects=selects,
        visible_texts=raw.texts,
        test_ids=raw.test_ids,
    )


def _forms(
    raw: Sequence[_RawForm],
    keys: Sequence[str],
    inputs: Sequence[InputField],
    buttons: Sequence[Button],
    selects: Sequence[Select],
) -> list[Form]:
    """Forms with the keys of what they contain; the submit button is the first submit-type button."""
    return [
        Form(
            key=key,
            selector=f.css,
            name=f.name,
            input_keys=[i.key for i in inputs if i.form_key == key],
            select_keys=[s.key for s in selects if s.form_key == key],
            submit_key=next(
                (b.key for b in buttons if b.form_key == key and b.type in ("submit", "image")), None
            ),
        )
        for f, key in zip(raw, keys, strict=True)
    ]


def _role_candidate(raw: _RawElement, name: str) -> list[LocatorCandidate]:
    if not raw.role:
        return []
    return [LocatorCandidate(strategy="role", role=raw.role, name=name or None, value=raw.role)]


def _optional(strategy: str, value: str | None) -> list[LocatorCandidate]:
    return [LocatorCandidate.model_validate({"strategy": strategy, "value": value})] if value else []


def candidate_locator(page: Page, candidate: LocatorCandidate) -> Locator:
    """The Playwright locator a candidate describes (the same one `to_python` renders)."""
    exact = candidate.exact or None
    scope: Page | Locator = page
    if candidate.container_role and candidate.container_text:
        container_role = cast(Any, candidate.container_role)  # role strings are read from the page
        scope = page.get_by_role(container_role).filter(has_text=candidate.container_text)
    match candidate.strategy:
        case "role":
            role = cast(Any, candidate.role or candidate.value)
            if candidate.name:
                return scope.get_by_role(role, name=candidate.name, exact=exact)
            return scope.get_by_role(role)
        case "label":
            return scope.get_by_label(candidate.value, exact=exact)
        case "placeholder":
            return scope.get_by_placeholder(candidate.value, exact=exact)
        case "test_id":
            return scope.get_by_test_id(candidate.value)
        case "text":
            return scope.get_by_text(candidate.value, exact=exact)
        case "css":
            return scope.locator(candidate.value)


async def _check(page: Page, target: int, candidate: LocatorCandidate) -> LocatorCandidate | None:
    """The candidate with its match count, or None if it does not find the target element at all."""
    try:
        found: list[int] = await candidate_locator(page, candidate).evaluate_all(_IDENTITY_JS)
    except PlaywrightError:
        return None  # e.g. a role Playwright does not know
    if target not in found:
        return None
    return candidate.model_copy(update={"matches": len(found)})


async def _check_each(page: Page, raws: Sequence[_RawControl]) -> list[list[LocatorCandidate]]:
    """Checked candidates of each element, all elements at once."""
    return list(await asyncio.gather(*(_check_all(page, r, r.candidates()) for r in raws)))


async def _check_all(
    page: Page, raw: _RawElement, candidates: list[LocatorCandidate]
) -> list[LocatorCandidate]:
    """Checked candidates in priority order; a role or text match that is not unique is preceded by its
    exact form and its form scoped to the list item or row holding the element, when those narrow it."""
    checked: list[LocatorCandidate] = []
    for candidate in candidates:
        result = await _check(page, raw.idx, candidate)
        if result is None:
            continue
        if result.matches > 1 and result.strategy != "css":
            narrower = [result.model_copy(update={"exact": True})] if result.strategy != "test_id" else []
            if raw.container and raw.container.role:
                scope = {"container_role": raw.container.role, "container_text": raw.container.text}
                narrower.append(result.model_copy(update=scope))
            for option in narrower:
                found = await _check(page, raw.idx, option)
                if found is not None and found.matches < result.matches:
                    checked.append(found)
        checked.append(result)
    return checked


async def _screenshot(page: Page, url: str, directory: Path) -> Path:
    parts = urlsplit(url)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{parts.hostname}{parts.port or ''}{parts.path}").strip("-")[:80]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug or 'page'}.png"
    await page.screenshot(path=path, full_page=True, timeout=RESTORE_TIMEOUT_MS)
    return path


# --- exploring ----------------------------------------------------------------------------------------------

_FIXED_VALUES = {
    "email": "qa.tester@example.com",
    "password": "Secret123!",
    "tel": "+1 555 0100",
    "url": "https://example.com",
    "date": "2024-01-15",
    "time": "12:30",
    "datetime-local": "2024-01-15T12:30",
    "month": "2024-01",
    "week": "2024-W03",
    "color": "#336699",
}
_HINTED_VALUES: tuple[tuple[str, str], ...] = (
    (r"e-?mail", "qa.tester@example.com"),
    (r"pass", "Secret123!"),
    (r"user|login", "testuser"),
    (r"phone|mobile|tel", "+1 555 0100"),
    (r"zip|postal|postcode", "10115"),
    (r"city|town", "Berlin"),
    (r"\bage\b|qty|quantity|amount|count", "3"),
    (r"name", "Alex Tester"),
)


def plausible_value(input_field: InputField, sample_word: str = "test") -> str | None:
    """A value a user might type into this field, or None if recon should not type into it."""
    kind = input_field.type.lower()
    if kind in ("file", "range", "hidden", "checkbox", "radio"):
        return None
    texts = (input_field.name, input_field.label, input_field.placeholder, input_field.accessible_name)
    hint = " ".join(texts).lower()
    if kind == "number":
        value = input_field.min or "1"
    elif kind in _FIXED_VALUES:
        value = _FIXED_VALUES[kind]
    elif kind == "search" or re.search(r"search|query|filter|find", hint):
        value = sample_word
    else:
        hinted = (v for pattern, v in _HINTED_VALUES if re.search(pattern, hint))
        value = next(hinted, "This is a test message." if input_field.tag == "textarea" else "Test item")
    if input_field.minlength and len(value) < input_field.minlength:
        value = value + "x" * (input_field.minlength - len(value))
    return value[: input_field.maxlength] if input_field.maxlength else value


def _sample_word(model: PageModel) -> str:
    """A word from the page's own content (not its chrome), so a search box gets a term that matches."""
    chrome = (
        {h.text for h in model.headings} | {i.label for i in model.inputs} | {s.label for s in model.selects}
    )
    chrome |= {b.text for b in model.buttons} | {link.text for link in model.links}
    for text in model.visible_texts:
        if text in chrome:
            continue
        for word in re.findall(r"[A-Za-z]{4,}", text):
            return word.lower()
    return "test"


def _element_locator(
    page: Page, element: InputField | Button | Select
) -> tuple[Locator, LocatorCandidate] | None:
    """The best locator for an element; a non-unique one is narrowed to its first match."""
    if element.best_locator is not None:
        return candidate_locator(page, element.best_locator), element.best_locator
    if element.locators:
        return candidate_locator(page, element.locators[0]).first, element.locators[0]
    return None


def _describe(element: InputField | Button | Select) -> str:
    if isinstance(element, Button):
        return f'button "{element.text or element.role_name}"'
    if isinstance(element, Select):
        return f'select "{element.label or element.name}"'
    return f'{element.role or element.tag} "{element.accessible_name or element.name}"'


async def _state(page: Page) -> _PageState:
    try:
        return _PageState.model_validate(await page.evaluate(_STATE_JS))
    except PlaywrightError:
        # evaluated while a navigation replaced the document; the new one is what counts
        await page.wait_for_load_state("load", timeout=RESTORE_TIMEOUT_MS)
        return _PageState.model_validate(await page.evaluate(_STATE_JS))


def _changes(before: _PageState, after: _PageState) -> dict[str, Any]:
    """What differs between two page states, as Interaction fields."""
    before_texts, after_texts = set(before.texts), set(after.texts)
    state_changes = [
        f"{desc} became {'disabled' if after.controls[desc] else 'enabled'}"
        for desc, disabled in before.controls.items()
        if desc in after.controls and after.controls[desc] != disabled
    ]
    return {
        "url_before": before.url,
        "url_after": after.url,
        "appeared_texts": [t for t in after.texts if t not in before_texts][:DIFF_TEXT_LIMIT],
        "disappeared_texts": [t for t in before.texts if t not in after_texts][:DIFF_TEXT_LIMIT],
        "count_changes": [
            CountChange(what=what, before=before.counts.get(what, 0), after=count)
            for what, count in after.counts.items()
            if before.counts.get(what, 0) != count
        ],
        "state_changes": state_changes,
    }


@dataclass
class _Explorer:
    """Acts on one page and records each action's visible effect as an Interaction."""

    page: Page
    model: PageModel
    watcher: _PageWatcher
    done: list[Interaction] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.done) >= MAX_INTERACTIONS

    async def record(
        self,
        action: InteractionKind,
        target: str,
        locator: LocatorCandidate | None,
        act: Callable[[], Awaitable[None]],
        values: dict[str, str] | None = None,
    ) -> Interaction:
        """Run `act` and append what it changed to `done`."""
        console: list[str] = []
        dialogs: list[str] = []
        before = await _state(self.page)
        self.watcher.sinks = _Sinks(console=console, dialogs=dialogs)
        baseline, error = self.watcher.inflight, None
        try:
            await act()
        except PlaywrightError as exc:
            error = _first_line(exc)
        await self.watcher.settle(baseline)
        after = await _state(self.page)
        self.watcher.sinks = _Sinks()
        interaction = Interaction.model_validate(
            {
                "action": action,
                "target": target,
                "locator": locator,
                "values": values or {},
                "dialogs": dialogs,
                "console_errors": console,
                "error": error,
                **_changes(before, after),
            }
        )
        self.done.append(interaction)
        return interaction

    async def restore(self) -> bool:
        """Reload the page so the next action starts from the original state; False if that failed."""
        try:
            await self.page.goto(self.model.final_url, wait_until="load", timeout=RESTORE_TIMEOUT_MS)
            return True
        except PlaywrightError:
            return False


async def _explore(
    page: Page, model: PageModel, watcher: _PageWatcher, notes: list[str]
) -> list[Interaction]:
    """Fill and submit each form, use standalone inputs, selects and buttons; at most MAX_INTERACTIONS."""
    explorer = _Explorer(page, model, watcher, notes=notes)
    word = _sample_word(model)
    steps: list[Callable[[], Awaitable[Any]]] = [
        lambda f=form: _explore_form(explorer, f, word) for form in model.forms
    ]
    steps += [lambda i=i: _explore_input(explorer, i, word) for i in model.inputs if not i.form_key]
    steps += [lambda s=s: _explore_select(explorer, s) for s in model.selects if not s.form_key]
    seen_texts: set[str] = set()
    for button in model.buttons:
        if (
            button.form_key
            or button.disabled
            or button.text in seen_texts
            or _RISKY_WORDS.search(button.text)
        ):
            continue
        seen_texts.add(button.text)
        steps.append(lambda b=button: _click(explorer, b, ""))
    for step in steps:
        if explorer.full:
            break
        await step()
        if not await explorer.restore():
            notes.append("exploration stopped: the page could not be reloaded")
            break
    return explorer.done


async def _explore_form(explorer: _Explorer, form: Form, word: str) -> None:
    """Fill every field of the form, then submit it; then try one button the submit made appear."""
    page, model = explorer.page, explorer.model
    fields = [f for f in model.inputs if f.key in form.input_keys and not f.disabled]
    selects = [s for s in model.selects if s.key in form.select_keys and not s.disabled]
    values: dict[str, str] = {}

    async def fill() -> None:
        for field_ in fields:
            found = _element_locator(page, field_)
            if found is None:
                continue
            locator = found[0]
            if field_.type in ("checkbox", "radio"):
                await locator.check(timeout=EXPLORE_ACTION_TIMEOUT_MS)
                values[_describe(field_)] = "checked"
            elif (value := plausible_value(field_, word)) is not None:
                await locator.fill(value, timeout=EXPLORE_ACTION_TIMEOUT_MS)
                values[_describe(field_)] = value
        for select in selects:
            option = next((o for o in select.options if o.value and not o.selected), None)
            found = _element_locator(page, select)
            if option is not None and found is not None:
                await found[0].select_option(option.value, timeout=EXPLORE_ACTION_TIMEOUT_MS)
                values[_describe(select)] = option.label

    target = f'form "{form.name}"' if form.name else f"form {form.selector}"
    await explorer.record("fill", target, None, fill, values)
    if explorer.full:
        return
    submit_button = model.element(form.submit_key) if form.submit_key else None
    buttons_before = await _button_texts(page)
    if isinstance(submit_button, Button):
        submitted = await _click(explorer, submit_button, " of " + target)
    else:
        last = fields[-1] if fields else None
        found = _element_locator(page, last) if last else None
        if found is None:
            return

        async def press_enter() -> None:
            await found[0].press("Enter", timeout=EXPLORE_ACTION_TIMEOUT_MS)

        submitted = await explorer.record("submit", target, found[1], press_enter)
    new_buttons = [
        t for t in await _button_texts(page) if t not in buttons_before and not _RISKY_WORDS.search(t)
    ]
    if new_buttons and not explorer.full and submitted.url_after == submitted.url_before:
        await _click_new_button(explorer, new_buttons[0])


async def _button_texts(page: Page) -> list[str]:
    try:
        texts: list[str] = await page.get_by_role("button").all_inner_texts()
    except PlaywrightError:
        return []
    return [" ".join(t.split()) for t in texts if t.strip()]


async def _click_new_button(explorer: _Explorer, text: str) -> None:
    """Click a button that only appeared after submitting (e.g. "Delete" on an added item)."""
    candidate = LocatorCandidate(strategy="role", role="button", name=text, value="button", exact=True)
    locator = candidate_locator(explorer.page, candidate)
    candidate = candidate.model_copy(update={"matches": await locator.count()})

    async def click() -> None:
        await locator.first.click(timeout=EXPLORE_ACTION_TIMEOUT_MS)

    await explorer.record("click", f'button "{text}" (appeared after submitting)', candidate, click)


async def _click(explorer: _Explorer, button: Button, context: str) -> Interaction:
    """Click a button (the first, if its locator is not unique); a disabled one is reported, not waited on."""
    found = _element_locator(explorer.page, button)
    action = "submit" if button.form_key else "click"
    target = _describe(button) + context
    if found is None:
        return await explorer.record(action, target, None, _no_action)
    locator, candidate = found
    if candidate.matches > 1:
        target += f" (first of {candidate.matches})"

    async def click() -> None:
        if not await locator.is_enabled(timeout=EXPLORE_ACTION_TIMEOUT_MS):
            raise PlaywrightError(f"{_describe(button)} stayed disabled")
        await locator.click(timeout=EXPLORE_ACTION_TIMEOUT_MS)

    return await explorer.record(action, target, candidate, click)


async def _no_action() -> None:
    raise PlaywrightError("no usable locator")


async def _explore_input(explorer: _Explorer, field_: InputField, word: str) -> None:
    """Type a plausible value into an input that belongs to no form (live search boxes, filters)."""
    value = plausible_value(field_, word)
    found = _element_locator(explorer.page, field_)
    if value is None or found is None or field_.disabled:
        return

    async def fill() -> None:
        await found[0].fill(value, timeout=EXPLORE_ACTION_TIMEOUT_MS)

    await explorer.record("fill", _describe(field_), found[1], fill, {_describe(field_): value})


async def _explore_select(explorer: _Explorer, select: Select) -> None:
    """Choose the first real option that is not selected yet in a select that belongs to no form."""
    option = next((o for o in select.options if o.value and not o.selected), None)
    found = _element_locator(explorer.page, select)
    if option is None or found is None or select.disabled:
        return

    async def choose() -> None:
        await found[0].select_option(option.value, timeout=EXPLORE_ACTION_TIMEOUT_MS)

    await explorer.record("select", _describe(select), found[1], choose, {_describe(select): option.label})


# --- following links ----------------------------------------------------------------------------------------


async def _site_map(page: Page, model: PageModel, depth: int, timeout_ms: int) -> list[SiteMapEntry]:
    """Visit same-origin links breadth-first to `depth`, recording status and title of each page."""
    seen = {urldefrag(model.final_url).url}
    frontier = [link.href for link in model.links if link.same_origin and not _RISKY_WORDS.search(link.href)]
    entries: list[SiteMapEntry] = []
    for level in range(1, depth + 1):
        next_frontier: list[str] = []
        for href in frontier:
            href = urldefrag(href).url
            if href in seen or len(entries) >= MAX_SITE_MAP_PAGES:
                continue
            seen.add(href)
            try:
                response = await page.goto(href, wait_until="load", timeout=timeout_ms)
                entries.append(
                    SiteMapEntry(
                        url=href,
                        status=response.status if response else None,
                        title=await page.title(),
                        depth=level,
                    )
                )
                if level < depth:
                    hrefs: list[str] = await page.eval_on_selector_all(
                        "a[href]", "els => els.map((a) => a.href)"
                    )
                    next_frontier += [h for h in hrefs if _same_origin(h, model.final_url)]
            except PlaywrightError as error:
                entries.append(SiteMapEntry(url=href, depth=level, error=_first_line(error)))
        frontier = next_frontier
    return entries
