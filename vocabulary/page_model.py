"""Typed model of a web page, as reconnaissance found it in a real browser.

Elements carry candidate locators already checked against the live page (`matches`), so the generator can
pick a locator that Playwright's strict mode will accept without guessing. Interactions say what recon did,
from which state (the path of steps from the loaded page), and what appeared, disappeared or was stored.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, Field

# how a username field is told from the other fields beside a password field
_USERNAME_HINT = re.compile(r"user|login|e-?mail|account", re.IGNORECASE)
# how a sign-in form's button is worded when the form names no submit button
SIGN_IN_WORDING = r"log\s*in|sign\s*in|submit"

LocatorStrategy = Literal["role", "label", "placeholder", "test_id", "text", "css"]
InteractionKind = Literal["fill", "submit", "click", "select", "press", "check", "hover", "dblclick"]
StorageArea = Literal["local", "session"]


def _py(text: str) -> str:
    """A Python string literal for text (JSON's double-quoted form is valid Python)."""
    return json.dumps(text, ensure_ascii=False)


class LocatorCandidate(BaseModel):
    """One way to find an element; `matches` is how many elements it found on the live page."""

    strategy: LocatorStrategy
    role: str | None = None
    name: str | None = None
    # role: the role again; label/placeholder/test_id/text: the string matched; css: the selector
    value: str
    exact: bool = False
    # repeated elements (a "Delete" per list item) are told apart by the row or item that holds them:
    # get_by_role(container_role).filter(has_text=container_text) comes first in the chain
    container_role: str | None = None
    container_text: str | None = None
    matches: int = 0

    def to_python(self, page_var: str = "page") -> str:
        """Playwright Python code for this locator, e.g. `page.get_by_role("button", name="Log in")`."""
        scope = page_var
        if self.container_role and self.container_text:
            container = f"{page_var}.get_by_role({_py(self.container_role)})"
            scope = f"{container}.filter(has_text={_py(self.container_text)})"
        exact = ", exact=True" if self.exact else ""
        match self.strategy:
            case "role":
                name = f", name={_py(self.name)}{exact}" if self.name else ""
                return f"{scope}.get_by_role({_py(self.role or self.value)}{name})"
            case "label":
                return f"{scope}.get_by_label({_py(self.value)}{exact})"
            case "placeholder":
                return f"{scope}.get_by_placeholder({_py(self.value)}{exact})"
            case "test_id":
                return f"{scope}.get_by_test_id({_py(self.value)})"
            case "text":
                return f"{scope}.get_by_text({_py(self.value)}{exact})"
            case "css":
                return f"{scope}.locator({_py(self.value)})"


class Locatable(BaseModel):
    """An element with checked candidate locators, best (most semantic) first."""

    key: str
    locators: list[LocatorCandidate] = Field(default_factory=list)

    @property
    def best_locator(self) -> LocatorCandidate | None:
        """The first candidate that finds exactly this one element, if any."""
        return next((c for c in self.locators if c.matches == 1), None)


class Heading(BaseModel):
    level: int
    text: str


class Landmark(BaseModel):
    role: str
    name: str = ""


class InputField(Locatable):
    """An input or textarea, with its constraints as written in the HTML."""

    tag: str
    type: str = "text"
    name: str = ""
    label: str = ""
    placeholder: str = ""
    required: bool = False
    disabled: bool = False
    min: str | None = None
    max: str | None = None
    minlength: int | None = None
    maxlength: int | None = None
    pattern: str | None = None
    test_id: str | None = None
    role: str | None = None
    accessible_name: str = ""
    form_key: str | None = None
    # outside a form: the button beside the input that a user would click to submit what they typed
    button_key: str | None = None


class Button(Locatable):
    text: str
    role_name: str = ""
    type: str = "button"
    disabled: bool = False
    test_id: str | None = None
    form_key: str | None = None


class Link(Locatable):
    text: str
    href: str
    same_origin: bool
    test_id: str | None = None


class SelectOption(BaseModel):
    value: str
    label: str
    selected: bool = False


class Select(Locatable):
    label: str = ""
    name: str = ""
    options: list[SelectOption] = Field(default_factory=list)
    multiple: bool = False
    disabled: bool = False
    test_id: str | None = None
    form_key: str | None = None


class Form(BaseModel):
    """A form and the keys of the inputs, selects and submit button inside it."""

    key: str
    selector: str
    name: str = ""
    input_keys: list[str] = Field(default_factory=list)
    select_keys: list[str] = Field(default_factory=list)
    submit_key: str | None = None


class FailedRequest(BaseModel):
    url: str
    method: str = "GET"
    status: int | None = None
    # network error text (e.g. net::ERR_CONNECTION_REFUSED) when there was no response at all
    error: str | None = None


class SiteMapEntry(BaseModel):
    url: str
    status: int | None = None
    title: str = ""
    depth: int = 1
    error: str | None = None


class CountChange(BaseModel):
    """How many visible elements matched `what` (a CSS selector) before and after an action."""

    what: str
    before: int
    after: int


class Step(BaseModel):
    """One action on the page: what was acted on, how it was found, and the typed text or pressed key."""

    action: InteractionKind
    target: str
    locator: LocatorCandidate | None = None
    # typed text for fill, the key for press, the option's value for select
    value: str | None = None


class ObservedElement(BaseModel):
    """An element that appeared or disappeared; `locator.matches` was counted on the page after the action."""

    # control: button, link, input, select...; item: a list item, table row or card (`name`: its first text)
    kind: Literal["control", "item"]
    role: str | None = None
    name: str = ""
    tag: str
    locator: LocatorCandidate | None = None


class StorageChange(BaseModel):
    """A localStorage or sessionStorage key an action set, changed or removed (values cut to 200 chars)."""

    area: StorageArea
    key: str
    before: str | None = None
    after: str | None = None


class Interaction(BaseModel):
    """Something recon did to the page and what visibly changed because of it.

    `path` is what recon did first, from the freshly loaded page, to reach the state the action started in.
    """

    action: InteractionKind
    target: str
    locator: LocatorCandidate | None = None
    values: dict[str, str] = Field(default_factory=dict)
    path: list[Step] = Field(default_factory=list)
    # 1: acted on the page as loaded; 2: on something the first action revealed; and so on
    level: int = 1
    # the key pressed, for press
    pressed: str | None = None
    url_before: str
    url_after: str
    appeared_texts: list[str] = Field(default_factory=list)
    disappeared_texts: list[str] = Field(default_factory=list)
    count_changes: list[CountChange] = Field(default_factory=list)
    state_changes: list[str] = Field(default_factory=list)
    appeared_elements: list[ObservedElement] = Field(default_factory=list)
    disappeared_elements: list[ObservedElement] = Field(default_factory=list)
    storage_changes: list[StorageChange] = Field(default_factory=list)
    # visible counts of list items, rows, controls... in the state reached (see CountChange.what)
    counts_after: dict[str, int] = Field(default_factory=dict)
    dialogs: list[str] = Field(default_factory=list)
    console_errors: list[str] = Field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the action had any visible effect (storage changes alone are not one)."""
        return bool(
            self.url_after != self.url_before
            or self.appeared_texts
            or self.disappeared_texts
            or self.count_changes
            or self.state_changes
            or self.appeared_elements
            or self.disappeared_elements
            or self.dialogs
            or self.console_errors
        )


class Entry(BaseModel):
    """A text input through which a user adds things: how submitting it was seen to add a list item."""

    input_key: str
    form_key: str | None = None
    # the form's submit button, or the button beside an input outside any form
    button_key: str | None = None
    adds_on_enter: bool = False
    adds_on_button: bool = False


class PageModel(BaseModel):
    """Everything reconnaissance learnt about one page."""

    url: str
    final_url: str
    status: int | None = None
    title: str = ""
    headings: list[Heading] = Field(default_factory=list)
    landmarks: list[Landmark] = Field(default_factory=list)
    forms: list[Form] = Field(default_factory=list)
    inputs: list[InputField] = Field(default_factory=list)
    buttons: list[Button] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    selects: list[Select] = Field(default_factory=list)
    visible_texts: list[str] = Field(default_factory=list)
    aria_snapshot: str = ""
    test_ids: list[str] = Field(default_factory=list)
    console_errors: list[str] = Field(default_factory=list)
    failed_requests: list[FailedRequest] = Field(default_factory=list)
    screenshot_path: str | None = None
    site_map: list[SiteMapEntry] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list)
    # things a reader should know about how recon went, e.g. that the network never went idle
    notes: list[str] = Field(default_factory=list)
    # the states recon reached by acting on this page (signing in), each described as fully as this one
    reached: list[ReachedState] = Field(default_factory=list)

    def element(self, key: str) -> InputField | Button | Link | Select | None:
        """The input, button, link or select with this key."""
        for element in (*self.inputs, *self.buttons, *self.links, *self.selects):
            if element.key == key:
                return element
        return None

    def sign_in_fields(self) -> tuple[InputField, InputField] | None:
        """The username-like field and the password field of the page's sign-in form, if it has one."""
        password = next((i for i in self.inputs if i.type == "password"), None)
        password = password or next(
            (i for i in self.inputs if re.search(r"pass", f"{i.name} {i.label}", re.IGNORECASE)), None
        )
        if password is None:
            return None
        siblings = [i for i in self.inputs if i.form_key == password.form_key and i is not password]
        username = next(
            (
                i
                for i in siblings
                if _USERNAME_HINT.search(f"{i.name} {i.label} {i.placeholder} {i.accessible_name}")
            ),
            None,
        ) or next((i for i in siblings if i.type in ("text", "email")), None)
        return (username, password) if username is not None else None


class ReachedState(BaseModel):
    """A state recon reached from the loaded page by `steps` (e.g. signing in), and what it found there."""

    steps: list[Step]
    # why recon took these steps, for a test step's title: "Sign in as standard_user"
    purpose: str
    page: PageModel


PageModel.model_rebuild()
