"""Reconnaissance of a web page in a real browser: what is on it, how to locate it, what it does when used.

One JavaScript pass reads the DOM (elements, labels, roles, constraints); every candidate locator is then
checked with Playwright against the live page, so `matches` is a fact, not a guess. With `explore`, recon
uses the page (fills, submits by button and by Enter, checks, clicks, double-clicks) and records what each
action changed, then does the same to what appeared, a few levels deep within a time budget. A click that
opens another view of the same site is followed too, and the view reached is described as a ReachedState.
Every action starts from the page reloaded with its original storage and cookies, and replays its path.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any, Literal, NamedTuple, cast
from urllib.parse import urldefrag, urlsplit

from playwright.async_api import ConsoleMessage, Dialog, Locator, Page, Request, Response
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pydantic import BaseModel, ConfigDict

from tools.browser import BrowserSession
from tools.errors import InputError, TargetUnreachableError
from tools.target_policy import REFUSED_HEADER, UNREACHABLE_HEADER, TargetRefusedError
from vocabulary.page_model import (
    SIGN_IN_WORDING,
    Button,
    CountChange,
    Entry,
    FailedRequest,
    Form,
    Heading,
    InputField,
    Interaction,
    InteractionKind,
    Landmark,
    Link,
    Locatable,
    LocatorCandidate,
    ObservedElement,
    PageModel,
    ReachedState,
    Select,
    SelectOption,
    SiteMapEntry,
    Step,
    StorageArea,
    StorageChange,
)
from vocabulary.removal import removal_named

MAX_INTERACTIONS = 40
# exploring a page stops starting new actions after this many seconds (reconnoitre_page can change it)
EXPLORE_BUDGET_S = 10.0
# 1: act on the page as loaded; 2: also on what those actions revealed; 3: and on what that revealed
EXPLORE_LEVELS = 3
# a click that opens another address of the same site (a cart, a checkout step) leads to a view explored as
# the page is, up to this many such hops from the page as loaded; each hop grants its own EXPLORE_LEVELS
EXPLORE_HOPS = 4
# each new view (up to MAX_VIEWS) adds this much time and these many actions to the budget: a flow of
# several views must not starve the later ones of the time the first page used
VIEW_BUDGET_S = 4.0
VIEW_INTERACTIONS = 10
MAX_VIEWS = 6
DIFF_ELEMENT_LIMIT = 15
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
_SETS_A_VALUE = frozenset({"fill", "select", "check"})
# CountChange.what values that are items of a list, table or feed
_LIST_ITEMS = frozenset({"li", "tr", "article", "[role=listitem]", "[role=row]"})
_RISKY_WORDS = re.compile(r"log\s*out|sign\s*out|logout|signout|delete\s+account|unsubscribe", re.IGNORECASE)

# --- JavaScript run in the page --------------------------------------------------------------------------

_JS_HELPERS = r"""
const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
// an element's text without what its hidden descendants hold (a cart link's badge while the cart is empty),
// as a user and the accessibility tree read it
const shownText = (el) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent && parent !== el && parent.checkVisibility && !parent.checkVisibility()) continue;
    parts.push(node.textContent);
  }
  return parts.join("");
};
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
  return norm(shownText(el)) || norm(el.title) || norm(imgs);
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
// the first text inside `box` that is not inside `skip`
const firstText = (box, skip) => {
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = norm(node.textContent);
    if (text && !(skip && skip.contains(node))) return text.slice(0, 80);
  }
  return "";
};
const ITEMS = "li, tr, article, [role=listitem], [role=row]";
// the list item, row or card holding an element, and the first text in it that is not the element's own
const containerOf = (el) => {
  const box = el.parentElement && el.parentElement.closest(ITEMS);
  const text = box ? firstText(box, el) : "";
  return text ? { role: roleOf(box), text } : null;
};
const BUTTONS = "button, input[type=submit], input[type=button], input[type=reset], input[type=image], "
  + "[role=button]";
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
    let text = norm(shownText(el));
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
  // outside a form, the button a user would press after typing: it follows the input in its own small box
  // (two levels up at most), with no list between them and in the same list item, if any
  const besideEls = [];
  const besideOf = (el) => {
    if (el.form) return null;
    let box = el.parentElement;
    for (let depth = 0; box && box !== document.body && depth < 2; depth += 1, box = box.parentElement) {
      if (box.querySelector("ul, ol, table, [role=list], [role=grid]")) return null;
      const found = Array.from(box.querySelectorAll(BUTTONS)).find((b) => visible(b)
        && (b.type || "").toLowerCase() !== "reset" && b.closest(ITEMS) === el.closest(ITEMS)
        && (el.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING));
      if (found) return besideEls.push(found) - 1;
    }
    return null;
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
      role: roleOf(el), accessible_name: nameOf(el), container: containerOf(el), beside: besideOf(el),
    }));
  const buttons = Array.from(document.querySelectorAll(BUTTONS)).filter(visible).slice(0, 40).map((el) => ({
    idx: keep(el), css: cssPath(el), form: formOf(el),
    text: el.tagName === "INPUT" ? norm(el.value || el.alt) : norm(shownText(el)),
    role: roleOf(el), name: nameOf(el), type: (el.type || "button").toLowerCase(),
    disabled: !!el.disabled || el.getAttribute("aria-disabled") === "true", test_id: attr(el, "data-testid"),
    container: containerOf(el),
  }));
  const links = Array.from(document.querySelectorAll("a[href]")).filter(visible).slice(0, 60).map((el) => ({
    idx: keep(el), css: cssPath(el), text: norm(shownText(el)), href: el.href, role: roleOf(el),
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
  for (const input of inputs) {
    const found = input.beside === null ? -1 : registry.indexOf(besideEls[input.beside]);
    input.beside = found >= 0 ? found : null;
  }
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
  const elements = [];
  const ELEMENTS = "button, input, select, textarea, a[href], [role=button], [role=link], [role=checkbox], "
    + ITEMS;
  for (const el of document.querySelectorAll(ELEMENTS)) {
    if (elements.length >= 200) break;
    if (!visible(el)) continue;
    const item = el.matches(ITEMS);
    elements.push({ kind: item ? "item" : "control", role: roleOf(el),
      name: item ? firstText(el) : nameOf(el), tag: el.tagName.toLowerCase(), css: cssPath(el),
      container: item ? null : containerOf(el) });
  }
  const dump = (area) => {
    const out = {};
    try {
      const store = area();
      for (let i = 0; i < store.length; i += 1) {
        out[store.key(i)] = (store.getItem(store.key(i)) || "").slice(0, 200);
      }
    } catch (e) { /* storage is not available to this document */ }
    return out;
  };
  const storage = { local: dump(() => localStorage), session: dump(() => sessionStorage) };
  return { url: location.href, texts: collectTexts(400), counts, controls, elements, storage };
}"""
)

# the whole of both storages (reading), or replacing them with a snapshot and saying whether that changed them
_STORAGE_JS = """(snapshot) => {
  let changed = false;
  const out = {};
  for (const [area, store] of [["local", () => localStorage], ["session", () => sessionStorage]]) {
    try {
      const s = store();
      const now = {};
      for (let i = 0; i < s.length; i += 1) now[s.key(i)] = s.getItem(s.key(i));
      out[area] = now;
      if (snapshot === null) continue;
      const wanted = snapshot[area] || {};
      if (JSON.stringify(now) !== JSON.stringify(wanted)) {
        changed = true;
        s.clear();
        for (const [k, v] of Object.entries(wanted)) s.setItem(k, v);
      }
    } catch (e) { out[area] = {}; }
  }
  return snapshot === null ? out : changed;
}"""

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
    beside: int | None = None

    def candidates(self) -> list[LocatorCandidate]:
        return [
            *_role_candidate(self, self.accessible_name),
            *_optional("label", self.label),
            *_optional("placeholder", self.placeholder),
            *_optional("test_id", self.test_id),
            LocatorCandidate(strategy="css", value=self.css),
        ]

    def build(self, key: str, locators: list[LocatorCandidate], form_key: str | None) -> InputField:
        fields = self.model_dump(exclude={"idx", "css", "form", "container", "beside"})
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


class _RawObserved(_Raw):
    kind: Literal["control", "item"]
    role: str | None = None
    name: str
    tag: str
    css: str
    container: _RawContainer | None = None

    @property
    def signature(self) -> tuple[str, str | None, str, str, str]:
        return (self.kind, self.role, self.name, self.tag, self.container.text if self.container else "")

    def candidate(self) -> LocatorCandidate:
        """Role and name (in its list item when it has one) for a control; the CSS path for an item."""
        if self.kind == "item" or not self.role:
            return LocatorCandidate(strategy="css", value=self.css)
        inside = self.container if self.container and self.container.role else None
        return LocatorCandidate(
            strategy="role",
            role=self.role,
            name=self.name or None,
            value=self.role,
            exact=bool(self.name),
            container_role=inside.role if inside else None,
            container_text=inside.text if inside else None,
        )


class _PageState(_Raw):
    url: str
    texts: list[str]
    counts: dict[str, int]
    controls: dict[str, bool]
    elements: list[_RawObserved]
    storage: dict[StorageArea, dict[str, str]]


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


class Credentials(NamedTuple):
    """A username and password the requirements name, for signing in where the page asks for them."""

    user: str
    password: str


@dataclass(frozen=True)
class _Survey:
    """How much of a page state recon reads: links followed, screenshot, exploring and its bounds."""

    depth: int
    settle_timeout_ms: int
    screenshot_dir: Path | None
    explore: bool
    explore_budget_s: float
    explore_levels: int
    # Safe mode: nothing named for removing data is clicked, pressed or submitted while exploring.
    safe: bool = False


async def reconnoitre_page(
    session: BrowserSession,
    url: str,
    *,
    depth: int = 1,
    settle_timeout_ms: int = 10_000,
    screenshot_dir: Path | None = None,
    explore: bool = True,
    explore_budget_s: float = EXPLORE_BUDGET_S,
    explore_levels: int = EXPLORE_LEVELS,
    credentials: Credentials | None = None,
    safe: bool = False,
) -> PageModel:
    """Open `url` in a fresh context and describe the page; same-origin links are followed to `depth`.

    Exploring tries the page's controls, then what they revealed, `explore_levels` deep, within
    `explore_budget_s` seconds. With `credentials` and a sign-in form, recon also signs in and describes
    the state that opens, as `reached`, the same way.
    """
    url = validate_page_url(url)
    survey = _Survey(depth, settle_timeout_ms, screenshot_dir, explore, explore_budget_s, explore_levels,
                     safe)  # fmt: skip
    async with session.new_page() as page:
        console: list[str] = []
        failed: list[FailedRequest] = []
        watcher = _PageWatcher(page, _Sinks(console=console, failed=failed))
        status, notes = await _open(page, url, settle_timeout_ms)
        model = await _surveyed(page, url, status, watcher, notes, survey)
    model = model.model_copy(update={"console_errors": console, "failed_requests": failed})
    fields = model.sign_in_fields()
    if credentials is None or fields is None:
        return model
    signed_in = await _sign_in(session, model, fields, credentials, survey)
    if isinstance(signed_in, str):
        return model.model_copy(update={"notes": [*model.notes, signed_in]})
    # the views behind the sign-in are reached by signing in first, then by the clicks that opened them
    behind = [
        view.model_copy(update={"steps": [*signed_in.steps, *view.steps]}) for view in signed_in.page.reached
    ]
    bare = signed_in.model_copy(update={"page": signed_in.page.model_copy(update={"reached": []})})
    return model.model_copy(update={"reached": [bare, *behind, *model.reached]})


async def _surveyed(
    page: Page, url: str, status: int | None, watcher: _PageWatcher, notes: list[str], survey: _Survey
) -> PageModel:
    """The page state as it is now, read, screenshot, explored and with its links followed."""
    model = await read_page(page, url, status)
    sinks, watcher.sinks = watcher.sinks, _Sinks()
    aria = await page.locator("body").aria_snapshot(timeout=RESTORE_TIMEOUT_MS)
    if len(aria) > ARIA_SNAPSHOT_LIMIT:
        notes.append(f"aria snapshot cut to {ARIA_SNAPSHOT_LIMIT} characters")
    directory = survey.screenshot_dir
    screenshot = await _screenshot(page, model.final_url, directory) if directory else None
    interactions, entries, views = (
        await _explore(page, model, watcher, notes, survey)
        if survey.explore
        else ([], [], [])
    )
    depth = survey.depth
    site_map = await _site_map(page, model, depth, survey.settle_timeout_ms) if depth > 0 else []
    watcher.sinks = sinks
    return model.model_copy(
        update={
            "aria_snapshot": aria[:ARIA_SNAPSHOT_LIMIT],
            "screenshot_path": str(screenshot) if screenshot else None,
            "interactions": interactions,
            "entries": entries,
            "site_map": site_map,
            "notes": notes,
            "reached": views,
        }
    )


async def _sign_in(
    session: BrowserSession,
    model: PageModel,
    fields: tuple[InputField, InputField],
    credentials: Credentials,
    survey: _Survey,
) -> ReachedState | str:
    """Sign in on a fresh copy of the page and survey the state that opens; else a note saying why not."""
    username, password = fields
    button = _sign_in_button(model, password)
    steps = [_step("fill", username, credentials.user), _step("fill", password, credentials.password)]
    steps.append(_step("submit", button) if button else _step("press", password, "Enter"))
    if any(s.locator is None for s in steps):
        return "recon did not sign in: the sign-in form has a control without a usable locator"
    async with session.new_page() as page:
        console: list[str] = []
        failed: list[FailedRequest] = []
        watcher = _PageWatcher(page, _Sinks(console=console, failed=failed))
        try:
            status, notes = await _open(page, model.final_url, survey.settle_timeout_ms)
            for step in steps:
                await _perform(page, step)
            await watcher.settle(0)
        except (PlaywrightError, TargetUnreachableError) as error:
            return f"recon could not sign in as {credentials.user}: {_first_line(error)}"
        try:
            # the signed-in page may load its content after the redirect: give it a bounded moment
            await page.wait_for_load_state("networkidle", timeout=min(survey.settle_timeout_ms, 5_000))
        except PlaywrightError:
            notes.append("the network never went idle after signing in; recon went on after the load event")
        if page.url == model.final_url and (await read_page(page, page.url, None)).sign_in_fields():
            return f"signing in as {credentials.user} left the sign-in form on the page"
        reached = await _surveyed(page, page.url, status, watcher, notes, survey)
    page_model = reached.model_copy(update={"console_errors": console, "failed_requests": failed})
    return ReachedState(steps=steps, purpose=f"Sign in as {credentials.user}", page=page_model)


def _sign_in_button(model: PageModel, password: InputField) -> Button | None:
    """The button sending the sign-in form: its submit button, else one in the form worded like signing in."""
    form = next((f for f in model.forms if f.key == password.form_key), None)
    submit = model.element(form.submit_key) if form and form.submit_key else None
    if isinstance(submit, Button):
        return submit
    worded = (
        b
        for b in model.buttons
        if b.form_key == password.form_key and re.search(SIGN_IN_WORDING, b.text, re.IGNORECASE)
    )
    return next(worded, None)


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
    # The guarding proxy answers what it will not pass on (a redirect to a refused address); the headless
    # shell shows that answer as the page, where the full browser fails the navigation.
    headers = response.headers if response else {}
    if reason := headers.get(REFUSED_HEADER.lower()):
        raise TargetRefusedError(reason)
    if reason := headers.get(UNREACHABLE_HEADER.lower()):
        raise TargetUnreachableError(f"cannot reach {url}: {reason}")
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


async def read_page(page: Page, url: str, status: int | None, parent: PageModel | None = None) -> PageModel:
    """Describe the page as it is now, with candidate locators checked against it: of every element, or,
    given the `parent` state's model, of the elements it does not have (the only ones exploring acts on)."""
    raw = _RawPage.model_validate(await page.evaluate(_COLLECT_JS))
    bare = _build(raw, url, status, {})
    raws: dict[str, _RawControl] = dict(_keyed(raw))
    wanted = sorted(_fresh(bare, parent) if parent else raws)
    checked = await asyncio.gather(*(_check_all(page, raws[key], raws[key].candidates()) for key in wanted))
    return _build(raw, url, status, dict(zip(wanted, checked, strict=True)))


def _keyed(raw: _RawPage) -> list[tuple[str, _RawControl]]:
    """Every control of a raw page with the key its element gets in the model."""
    groups: list[tuple[str, Sequence[_RawControl]]] = [
        ("input", raw.inputs),
        ("button", raw.buttons),
        ("link", raw.links),
        ("select", raw.selects),
    ]
    return [(f"{prefix}-{i}", r) for prefix, group in groups for i, r in enumerate(group)]


def _build(
    raw: _RawPage, url: str, status: int | None, locators: dict[str, list[LocatorCandidate]]
) -> PageModel:
    """The page model of a raw page, each element with the locators given for its key (or none)."""
    form_keys = [f"form-{i}" for i in range(len(raw.forms))]

    def form_key(index: int | None) -> str | None:
        return form_keys[index] if index is not None and index < len(form_keys) else None

    def locs(key: str) -> list[LocatorCandidate]:
        return locators.get(key, [])

    buttons = [
        r.build(f"button-{i}", locs(f"button-{i}"), form_key(r.form)) for i, r in enumerate(raw.buttons)
    ]
    button_keys = {r.idx: b.key for r, b in zip(raw.buttons, buttons, strict=True)}
    inputs = [
        r.build(f"input-{i}", locs(f"input-{i}"), form_key(r.form)).model_copy(
            update={"button_key": button_keys.get(r.beside) if r.beside is not None else None}
        )
        for i, r in enumerate(raw.inputs)
    ]
    links = [r.build(f"link-{i}", locs(f"link-{i}"), raw.url) for i, r in enumerate(raw.links)]
    selects = [
        r.build(f"select-{i}", locs(f"select-{i}"), form_key(r.form)) for i, r in enumerate(raw.selects)
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


def _element_locator(element: Locatable) -> LocatorCandidate | None:
    """The best checked locator of an element, else its first (the explorer acts on its first match)."""
    return element.best_locator or (element.locators[0] if element.locators else None)


def _describe(element: InputField | Button | Link | Select) -> str:
    if isinstance(element, Button):
        return f'button "{element.text or element.role_name}"'
    if isinstance(element, Link):
        return f'link "{element.text}"'
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


def _extra(of: Sequence[_RawObserved], than: Sequence[_RawObserved]) -> list[_RawObserved]:
    """Elements of `of` beyond those of `than` with the same signature (the later ones: rows come last)."""
    budget = Counter(e.signature for e in than)
    extra: list[_RawObserved] = []
    for element in reversed(of):
        if budget[element.signature] > 0:
            budget[element.signature] -= 1
        else:
            extra.append(element)
    return extra[::-1][:DIFF_ELEMENT_LIMIT]


async def _observed(page: Page, elements: Sequence[_RawObserved]) -> list[ObservedElement]:
    """Appeared or disappeared elements with a locator counted on the page as it is now."""

    async def one(element: _RawObserved) -> ObservedElement:
        candidate = element.candidate()
        try:
            matches = await candidate_locator(page, candidate).count()
        except PlaywrightError:
            matches = 0
        return ObservedElement(
            kind=element.kind,
            role=element.role,
            name=element.name,
            tag=element.tag,
            locator=candidate.model_copy(update={"matches": matches}),
        )

    return list(await asyncio.gather(*(one(e) for e in elements)))


def _storage_changes(before: _PageState, after: _PageState) -> list[StorageChange]:
    changes: list[StorageChange] = []
    areas: tuple[StorageArea, ...] = ("local", "session")
    for area in areas:
        old, new = before.storage.get(area, {}), after.storage.get(area, {})
        for key in sorted(old.keys() | new.keys()):
            if old.get(key) != new.get(key):
                changes.append(StorageChange(area=area, key=key, before=old.get(key), after=new.get(key)))
    return changes


async def _changes(page: Page, before: _PageState, after: _PageState) -> dict[str, Any]:
    """What differs between two page states, as Interaction fields."""
    before_texts, after_texts = set(before.texts), set(after.texts)
    state_changes = [
        f"{desc} became {'disabled' if after.controls[desc] else 'enabled'}"
        for desc, disabled in before.controls.items()
        if desc in after.controls and after.controls[desc] != disabled
    ]
    appeared, disappeared = await asyncio.gather(
        _observed(page, _extra(after.elements, before.elements)),
        _observed(page, _extra(before.elements, after.elements)),
    )
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
        "appeared_elements": appeared,
        "disappeared_elements": disappeared,
        "storage_changes": _storage_changes(before, after),
        "counts_after": {what: count for what, count in after.counts.items() if count},
    }


def _signature(state: _PageState) -> tuple[object, ...]:
    """What tells two page states apart for exploring: URL, visible texts and elements."""
    return (state.url, tuple(sorted(state.texts)), tuple(sorted(e.signature for e in state.elements)))


def _grew_a_list(interaction: Interaction) -> bool:
    return any(c.what in _LIST_ITEMS and c.after > c.before for c in interaction.count_changes)


@dataclass(frozen=True)
class _Action:
    """One thing to try: the steps reaching its start state from the loaded page, then its own steps."""

    path: tuple[Step, ...]
    steps: tuple[Step, ...]
    action: InteractionKind
    target: str
    level: int
    values: dict[str, str] = field(default_factory=dict)
    pressed: str | None = None
    # (input key, how) when this submits a top-level text input: what the page's entries are made of
    entry: tuple[str, Literal["enter", "button"]] | None = None


@dataclass
class _State:
    """A page state worth exploring: how it is reached, its model, and which elements it newly has."""

    path: tuple[Step, ...]
    model: PageModel
    level: int
    fresh: set[str]
    # how many clicks on the way here opened another address of the site, and the level its view began at
    hops: int = 0
    view_level: int = 1
    # the hover on a new list item that makes `revealed` elements visible
    hover: Step | None = None
    revealed: set[str] = field(default_factory=set)
    new_items: list[ObservedElement] = field(default_factory=list)


async def _perform(page: Page, step: Step) -> None:
    """Do one step on the first element its locator finds; a disabled button is an error, not a wait."""
    if step.locator is None:
        raise PlaywrightError("no usable locator")
    locator = candidate_locator(page, step.locator).first
    timeout = EXPLORE_ACTION_TIMEOUT_MS
    match step.action:
        case "fill":
            await locator.fill(step.value or "", timeout=timeout)
        case "press":
            await locator.press(step.value or "Enter", timeout=timeout)
        case "select":
            await locator.select_option(step.value or "", timeout=timeout)
        case "hover":
            await locator.hover(timeout=timeout)
        case "dblclick":
            await locator.dblclick(timeout=timeout)
        case "check":
            # a click, not check(): toggling back and forth is what a user does
            await locator.click(timeout=timeout)
        case "click" | "submit":
            if not await locator.is_enabled(timeout=timeout):
                raise PlaywrightError(f"{step.target} stayed disabled")
            await locator.click(timeout=timeout)


@dataclass
class _Explorer:
    """Acts on one page, each action from the state its path leads to, and records what it changed."""

    page: Page
    model: PageModel
    watcher: _PageWatcher
    deadline: float
    levels: int
    notes: list[str]
    done: list[Interaction] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    # the steps done since the page was last loaded (None: not known), and its state, if read since
    current: tuple[Step, ...] | None = ()
    last: _PageState | None = None
    # every state reached so far by its signature, with the state explored from it (None: the loaded page)
    reached: dict[tuple[object, ...], _State | None] = field(default_factory=dict)
    storage: dict[str, dict[str, str]] = field(default_factory=dict)
    cookies: list[Any] = field(default_factory=list)
    broken: bool = False
    # the other views of the site reached by clicks, in the order they were first reached
    views: list[_State] = field(default_factory=list)

    @property
    def over(self) -> bool:
        views = min(len(self.views), MAX_VIEWS)
        allowed = MAX_INTERACTIONS + VIEW_INTERACTIONS * views
        return (
            self.broken or len(self.done) >= allowed or monotonic() >= self.deadline + VIEW_BUDGET_S * views
        )

    async def snapshot(self) -> None:
        """Remember storage and cookies as loaded, so every restore starts from the same state."""
        self.storage = await self.page.evaluate(_STORAGE_JS, None)
        self.cookies = list(await self.page.context.cookies())
        self.last = await _state(self.page)
        self.reached[_signature(self.last)] = None

    async def restore(self) -> bool:
        """Reload the page with its original storage and cookies; False if that failed."""
        page, url = self.page, self.model.final_url
        same_document = urldefrag(page.url).url == urldefrag(url).url and (
            page.url != url or bool(urldefrag(url).fragment)
        )
        try:
            if _same_origin(page.url, url):
                await page.evaluate(_STORAGE_JS, self.storage)
            await page.context.clear_cookies()
            if self.cookies:
                await page.context.add_cookies(self.cookies)
            await page.goto(url, wait_until="load", timeout=RESTORE_TIMEOUT_MS)
            # the app may have written storage while unloading, or the old document was another origin's
            if same_document or await page.evaluate(_STORAGE_JS, self.storage):
                await page.reload(wait_until="load", timeout=RESTORE_TIMEOUT_MS)
            await self.watcher.settle(0)
        except PlaywrightError:
            return False
        self.current, self.last = (), None
        return True

    async def reach(self, path: tuple[Step, ...]) -> bool:
        """Bring the page to the state `path` leads to, going on from the current one when it can."""
        if self.current is None or path[: len(self.current)] != self.current:
            if not await self.restore():
                self.notes.append("exploration stopped: the page could not be reloaded")
                self.broken = True
                return False
        done = self.current or ()
        rest = path[len(done) :]
        baseline = self.watcher.inflight
        for step in rest:
            # no settling between steps: Playwright waits for each step's element by itself
            try:
                await _perform(self.page, step)
            except PlaywrightError as error:
                self.notes.append(f"could not replay {step.action} on {step.target}: {_first_line(error)}")
                self.current, self.last = None, None
                return False
            done = (*done, step)
            self.current, self.last = done, None
        if rest:
            await self.watcher.settle(baseline)
        return True

    async def run(self, action: _Action) -> Interaction | None:
        """Reach the action's start state, do it and record the difference; None if it was not tried."""
        if self.over or not await self.reach(action.path):
            return None
        page, watcher = self.page, self.watcher
        before = self.last or await _state(page)
        console: list[str] = []
        dialogs: list[str] = []
        watcher.sinks = _Sinks(console=console, dialogs=dialogs)
        baseline, error = watcher.inflight, None
        try:
            for step in action.steps:
                await _perform(page, step)
        except PlaywrightError as exc:
            error = _first_line(exc)
        await watcher.settle(baseline)
        after = await _state(page)
        watcher.sinks = _Sinks()
        # a form's fill acts on several fields: no one locator stands for it
        [only] = action.steps if len(action.steps) == 1 else [None]
        interaction = Interaction.model_validate(
            {
                "action": action.action,
                "target": action.target,
                "locator": only.locator if only else None,
                "values": action.values,
                "path": list(action.path),
                "level": action.level,
                "pressed": action.pressed,
                "dialogs": dialogs,
                "console_errors": console,
                "error": error,
                **await _changes(page, before, after),
            }
        )
        # an action that changed nothing left the page in the state it started from, except that typing,
        # choosing and ticking always leave a value behind
        moved = interaction.changed or interaction.storage_changes or action.action in _SETS_A_VALUE
        self.current = (*action.path, *action.steps) if moved else action.path
        self.last = after
        self.done.append(interaction)
        self._note_entry(action, interaction)
        return interaction

    def _note_entry(self, action: _Action, interaction: Interaction) -> None:
        if action.entry is None or interaction.error is not None or not _grew_a_list(interaction):
            return
        key, how = action.entry
        field_ = next(f for f in self.model.inputs if f.key == key)
        form = next((f for f in self.model.forms if f.key == field_.form_key), None)
        button = form.submit_key if form else field_.button_key
        entry = self.entries.setdefault(
            key, Entry(input_key=key, form_key=field_.form_key, button_key=button)
        )
        if how == "enter":
            entry.adds_on_enter = True
        else:
            entry.adds_on_button = True

    async def expand(self, action: _Action, interaction: Interaction, start: _State) -> _State | None:
        """Read the state an action reached, if it is new and has new elements, to explore it next.

        A state at another address of the site (a click opened the cart) is a view: read whole, remembered
        in `views`, and explored with levels of its own."""
        parent = start.model
        navigated = urldefrag(interaction.url_after).url != urldefrag(interaction.url_before).url
        if (
            (
                start.hops >= EXPLORE_HOPS
                or len(self.views) >= MAX_VIEWS
                or not _same_origin(interaction.url_after, self.model.final_url)
            )
            if navigated
            else action.level >= start.view_level + self.levels - 1
        ) or (self.over or interaction.error or not interaction.appeared_elements or self.last is None):
            return None
        path, signature = (*action.path, *action.steps), _signature(self.last)
        if signature in self.reached:
            known = self.reached[signature]
            if known is not None:
                # the page is in that state right now: exploring it from here saves a reload
                known.path = path
            return None
        typed = [s.value for s in path if s.action == "fill" and s.value]
        new_items = sorted(
            (e for e in interaction.appeared_elements if e.kind == "item" and e.locator is not None),
            # the item holding what recon typed is the one it added, rather than, say, a filter bar's
            key=lambda item: not any(value in item.name for value in typed),
        )
        hover = None
        if new_items:
            # read the state with the pointer on a new item: controls shown only on hover are then visible
            hover = Step(action="hover", target=_item_target(new_items[0]), locator=new_items[0].locator)
            try:
                await _perform(self.page, hover)
                await self.watcher.settle(self.watcher.inflight)
                self.current, self.last = (*path, hover), None
            except PlaywrightError:
                hover = None
        # a view's elements are all read: a test taken there acts on its header as well as on what is new
        url = self.page.url if navigated else self.model.url
        if navigated:
            model = await read_page(self.page, url, None)
            aria = await self.page.locator("body").aria_snapshot(timeout=RESTORE_TIMEOUT_MS)
            model = model.model_copy(update={"aria_snapshot": aria[:ARIA_SNAPSHOT_LIMIT]})
        else:
            model = await read_page(self.page, url, self.model.status, parent)
        fresh = _fresh(model, parent)
        revealed = await self._hidden_unhovered(model, fresh) if hover else set()
        # with the pointer away again the page is where `path` leads (no path says where the pointer is)
        self.current, self.last = path, None
        level = action.level + 1
        view_level = level if navigated else start.view_level
        hovered = hover if revealed else None
        hops = start.hops + navigated
        state = _State(path, model, level, fresh, hops, view_level, hovered, revealed, new_items)
        self.reached[signature] = state
        if navigated:
            self.views.append(state)
        return state

    def view_states(self) -> list[ReachedState]:
        """The views reached, each with the interactions recon tried there (their paths start at the view)."""
        states: list[ReachedState] = []
        for view in self.views:
            at = len(view.path)
            own = [
                i.model_copy(update={"path": i.path[at:], "level": i.level - view.level + 1})
                for i in self.done
                if tuple(i.path[:at]) == view.path
            ]
            # a view reached by a click on "Checkout" is named after where it is, for a test step's title
            purpose = f"Go to {urlsplit(view.model.final_url).path}"
            page = view.model.model_copy(update={"interactions": own})
            states.append(ReachedState(steps=list(view.path), purpose=purpose, page=page))
        return states

    async def _hidden_unhovered(self, model: PageModel, keys: set[str]) -> set[str]:
        """Which of these elements go out of sight when the pointer leaves the page."""
        await self.page.mouse.move(0, 0)
        await self.watcher.settle(self.watcher.inflight)
        elements = [e for e in _elements(model) if e.key in keys and _element_locator(e) is not None]

        async def hidden(element: _Element) -> bool:
            candidate = _element_locator(element)
            return (
                candidate is not None and not await candidate_locator(self.page, candidate).first.is_visible()
            )

        flags = await asyncio.gather(*(hidden(e) for e in elements))
        return {e.key for e, flag in zip(elements, flags, strict=True) if flag}


_Element = InputField | Button | Link | Select


def _item_target(item: ObservedElement) -> str:
    return f'{item.role or item.tag} "{item.name}"'


def _elements(model: PageModel) -> list[_Element]:
    return [*model.inputs, *model.buttons, *model.links, *model.selects]


def _fresh(model: PageModel, parent: PageModel) -> set[str]:
    """Keys of the elements `model` has beyond those of `parent` that look the same (the later ones)."""
    budget = Counter(_describe(e) for e in _elements(parent))
    fresh: set[str] = set()
    for element in reversed(_elements(model)):
        if budget[_describe(element)] > 0:
            budget[_describe(element)] -= 1
        else:
            fresh.add(element.key)
    return fresh


def _step(action: InteractionKind, element: _Element, value: str | None = None) -> Step:
    return Step(action=action, target=_describe(element), locator=_element_locator(element), value=value)


def _typed(field_: InputField, word: str, level: int) -> str | None:
    """A plausible value; below the first level told apart from what the first level typed (an edit)."""
    value = plausible_value(field_, word)
    return f"{value} {level}" if value is not None and level > 1 and field_.type == "text" else value


def _form_actions(state: _State, form: Form, word: str) -> list[_Action]:
    """Fill the form's fields; then submit with its submit button and, from a fresh fill, with Enter."""
    model, level = state.model, state.level
    fields = [f for f in model.inputs if f.key in form.input_keys and not f.disabled]
    selects = [s for s in model.selects if s.key in form.select_keys and not s.disabled]
    fills: list[Step] = []
    values: dict[str, str] = {}
    for field_ in fields:
        if field_.type in ("checkbox", "radio"):
            fills.append(_step("check", field_))
            values[_describe(field_)] = "checked"
        elif (value := _typed(field_, word, level)) is not None:
            fills.append(_step("fill", field_, value))
            values[_describe(field_)] = value
    for select in selects:
        option = next((o for o in select.options if o.value and not o.selected), None)
        if option is not None:
            fills.append(_step("select", select, option.value))
            values[_describe(select)] = option.label
    if not fills:
        return []
    target = f'form "{form.name}"' if form.name else f"form {form.selector}"
    filled = (*state.path, *fills)
    actions = [_Action(state.path, tuple(fills), "fill", target, level, values)]
    typed = [f for f in fields if f.type not in ("checkbox", "radio") and plausible_value(f) is not None]
    submit = model.element(form.submit_key) if form.submit_key else None
    if isinstance(submit, Button):
        how = (typed[-1].key, "button") if typed and level == 1 else None
        step = _step("submit", submit)
        actions.append(_Action(filled, (step,), "submit", f"{step.target} of {target}", level, entry=how))
    if typed:
        enter = _step("press", typed[-1], "Enter")
        how = (typed[-1].key, "enter") if level == 1 else None
        target_enter = f"{enter.target} of {target}"
        actions.append(_Action(filled, (enter,), "press", target_enter, level, pressed="Enter", entry=how))
    return actions


def _input_actions(state: _State, field_: InputField, word: str) -> list[_Action]:
    """Type into an input outside any form; then Enter, its button beside it and, deeper down, Escape."""
    value = _typed(field_, word, state.level)
    if value is None:
        return []
    level, fill = state.level, _step("fill", field_, value)
    filled = (*state.path, fill)
    first = level == 1
    actions = [
        _Action(state.path, (fill,), "fill", fill.target, level, {fill.target: value}),
        _Action(
            filled,
            (_step("press", field_, "Enter"),),
            "press",
            fill.target,
            level,
            pressed="Enter",
            entry=(field_.key, "enter") if first else None,
        ),
    ]
    button = state.model.element(field_.button_key) if field_.button_key else None
    if isinstance(button, Button) and not button.disabled:
        step = _step("submit", button)
        how = (field_.key, "button") if first else None
        target = f"{step.target} beside {fill.target}"
        actions.append(_Action(filled, (step,), "submit", target, level, entry=how))
    if not first:
        escape = _step("press", field_, "Escape")
        actions.append(_Action(filled, (escape,), "press", fill.target, level, pressed="Escape"))
    return actions


def _actions(state: _State, word: str) -> list[_Action]:
    """What to try in a state: on the loaded page everything, deeper down only what the state newly has."""
    model, level = state.model, state.level

    def new(element: _Element) -> bool:
        return level == 1 or element.key in state.fresh

    def start(element: _Element) -> tuple[Step, ...]:
        hovered = state.hover is not None and element.key in state.revealed
        return (*state.path, state.hover) if hovered and state.hover else state.path

    fresh_forms = {f.form_key for f in model.inputs if new(f)} | {s.form_key for s in model.selects if new(s)}
    actions = [a for form in model.forms if form.key in fresh_forms for a in _form_actions(state, form, word)]
    for field_ in model.inputs:
        if field_.form_key or field_.disabled or not new(field_):
            continue
        if field_.type in ("checkbox", "radio"):
            step = _step("check", field_)
            actions.append(_Action(start(field_), (step,), "check", step.target, level))
        else:
            actions += _input_actions(state, field_, word)
    for select in model.selects:
        option = next((o for o in select.options if o.value and not o.selected), None)
        if select.form_key or select.disabled or option is None or not new(select):
            continue
        step = _step("select", select, option.value)
        chosen = {step.target: option.label}
        actions.append(_Action(start(select), (step,), "select", step.target, level, chosen))
    for button in model.buttons:
        if button.form_key or button.disabled or not new(button) or _RISKY_WORDS.search(button.text):
            continue
        step = _step("click", button)
        actions.append(_Action(start(button), (step,), "click", step.target, level))
    if level > 1:
        for link in model.links:
            if link.same_origin and new(link) and not _RISKY_WORDS.search(f"{link.text} {link.href}"):
                step = _step("click", link)
                actions.append(_Action(start(link), (step,), "click", step.target, level))
        for item in state.new_items[:1]:
            actions.append(_edit_action(state, item))
    # twenty new rows are one thing to try, not twenty
    unique = {_same_kind(a): a for a in reversed(actions)}
    return [a for a in actions if unique[_same_kind(a)] is a]


def _removes_data(action: _Action, model: PageModel) -> str | None:
    """The words naming removal of the control the action clicks, presses or submits (for Enter in a form's
    field, of the form's submit button), or None."""
    if action.action not in ("click", "dblclick", "submit", "press"):
        return None
    if words := removal_named(action.target):
        return words
    for form in model.forms if action.action == "press" else []:
        submit = model.element(form.submit_key) if form.submit_key else None
        named = f'form "{form.name}"' if form.name else f"form {form.selector}"
        words = removal_named(submit.text) if isinstance(submit, Button) else None
        if words and action.target.endswith(named):
            return words
    return None


def _same_kind(action: _Action) -> tuple[object, ...]:
    """What an action is, leaving out which list item or row it happens in."""
    last = action.steps[-1].locator
    unscoped = last.model_copy(update={"container_role": None, "container_text": None}) if last else None
    return (action.action, action.target, action.pressed, len(action.path), unscoped and unscoped.to_python())


def _edit_action(state: _State, item: ObservedElement) -> _Action:
    """Double-click the text of a new list item, where apps put in-place editing."""
    on_text = LocatorCandidate(
        strategy="text",
        value=item.name,
        exact=True,
        container_role=item.role,
        container_text=item.name,
    )
    locator = on_text if item.role and item.name else item.locator
    step = Step(action="dblclick", target=f'text "{item.name}"', locator=locator)
    return _Action(state.path, (step,), "dblclick", f"{step.target} of {_item_target(item)}", state.level)


async def _explore(
    page: Page, model: PageModel, watcher: _PageWatcher, notes: list[str], survey: _Survey
) -> tuple[list[Interaction], list[Entry], list[ReachedState]]:
    """Try what the page offers, then what each new state newly offers, level by level, within the budget;
    also the views of the site those actions opened. In safe mode, what removes data is left untried."""
    deadline = monotonic() + survey.explore_budget_s
    explorer = _Explorer(page, model, watcher, deadline, survey.explore_levels, notes)
    await explorer.snapshot()
    word = _sample_word(model)
    frontier = [_State((), model, 1, set())]
    untried = 0
    while frontier:
        children: list[_State] = []
        for state in frontier:
            for action in _actions(state, word):
                if survey.safe and (words := _removes_data(action, state.model)):
                    notes.append(f"safe mode: left {action.action} {action.target} untried ({words!r})")
                    continue
                interaction = await explorer.run(action)
                if interaction is None:
                    untried += explorer.over
                    continue
                child = await explorer.expand(action, interaction, state)
                if child is not None:
                    children.append(child)
        frontier = children
    if untried and not explorer.broken:
        notes.append(
            f"exploration stopped at its budget ({survey.explore_budget_s:g}s, {MAX_INTERACTIONS} actions"
            + (
                f", and {VIEW_BUDGET_S:g}s, {VIEW_INTERACTIONS} actions per view reached"
                if explorer.views
                else ""
            )
            + f"): {untried} actions not tried"
        )
    return explorer.done, list(explorer.entries.values()), explorer.view_states()


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
