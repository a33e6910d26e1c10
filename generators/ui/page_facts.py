"""Answers the planner's questions about a reconnoitred page: which field, button, list or select is meant.

Everything here reads the PageModel only; locator expressions come from the candidates recon checked against
the live page, unique ones first, in recon's order (role+name, label, placeholder, test id, text, css).
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from vocabulary.page_model import (
    SIGN_IN_WORDING,
    Button,
    InputField,
    Interaction,
    Link,
    LocatorCandidate,
    ObservedElement,
    PageModel,
    Select,
)

Control = InputField | Button | Link | Select
_TEXT_TYPES = ("text", "email", "search", "tel", "url", "password", "number", "")
_STOPWORDS = {"the", "a", "an", "its", "their", "of", "to", "field", "button", "link", "box", "input"}
# names a test body already uses for something else
_RESERVED = {"page", "base_url", "expect", "allure", "re", "errors", "response", "link", "links", "path"}
_TITLE_SEPARATORS = re.compile(r"\s+[—–|·-]\s+")
_ARIA_LINE = re.compile(r'^(?P<indent>\s*)- (?P<role>[\w-]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?P<rest>.*)$')
_OUTSIDE_CONTENT = {"navigation", "banner", "contentinfo"}
_REGION_ROLES = {*_OUTSIDE_CONTENT, "main", "alert", "status", "form", "dialog", "complementary", "region"}
_DELETE_WORDS = re.compile(r"^(?:delete|remove|trash|discard|×|✕|x)$", re.IGNORECASE)
# a position in a CSS path recon wrote for one item; without it the selector finds every item of the list
_NTH = re.compile(r":nth-(?:of-type|child)\(\d+\)$")
# steps that only add an item or point at it: what a per-item delete needs, unlike "complete, then clear"
_REACHING = {"fill", "press", "click", "hover"}
# attributes that are an amount of money, and the symbols such an amount is written with
_MONEY_WORDS = {"price", "cost", "amount", "total", "fee"}
_CURRENCY = re.compile(r"[$€£¥](?=\s?\d)")


def words(text: str) -> list[str]:
    """Lower-case words of a text, for matching requirement wording to labels."""
    return re.findall(r"[a-z0-9]+", text.lower())


def singular(word: str) -> str:
    """A rough singular, enough to match "books" to "Books" and "entries" to "entry"."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def snake(text: str, limit: int = 40) -> str:
    """A Python identifier from free text, cut at a word boundary."""
    name = "_".join(words(text))
    while len(name) > limit and "_" in name:
        name = name.rsplit("_", 1)[0]
    return name[:limit]


def options_of(element: Control) -> tuple[str, ...]:
    """Locator expressions for an element: the candidates that found only it, best first."""
    unique = tuple(c.to_python() for c in element.locators if c.matches == 1)
    if unique:
        return unique
    # nothing unique (recon found look-alikes it could not tell apart): take the first match explicitly
    return tuple(f"{c.to_python()}.first" for c in element.locators[:1])


def describe(element: Control) -> str:
    """How a step title names the element: its label or text, in quotes."""
    match element:
        case InputField():
            return f'"{element.label or element.accessible_name or element.placeholder or element.name}"'
        case Button():
            return f'"{element.text or element.role_name}"'
        case Link():
            return f'"{element.text}"'
        case Select():
            return f'"{element.label or element.name}"'


@dataclass(frozen=True)
class Collection:
    """A list on the page whose items the tests count and filter."""

    name: str
    item_texts: tuple[str, ...]
    lists_on_page: int
    # a list recon saw fill only after an entry was added: the CSS path of its items
    selector: str = ""

    def options(self) -> tuple[str, ...]:
        if self.selector:
            return (f"page.locator({_json(self.selector)})",)
        named = f'page.get_by_role("list", name={_json(self.name)}).get_by_role("listitem")'
        if not self.name:
            return ('page.get_by_role("listitem")',)
        # with a single list on the page, any list item is one of its items
        return (named, 'page.get_by_role("listitem")') if self.lists_on_page == 1 else (named,)

    @property
    def var(self) -> str:
        name = snake(self.name)
        return name if name.endswith("s") and name not in _RESERVED else "items"


def _json(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class LoginForm:
    username: InputField
    password: InputField
    submit: Button | None


@dataclass(frozen=True)
class Entry:
    """Where new entries are typed and how they are sent (a button, or Enter when there is none)."""

    field: InputField
    submit: Button | None


@dataclass(frozen=True)
class DeleteControl:
    """How an item's delete control is found inside the item, and whether the item must be hovered first."""

    locator: LocatorCandidate
    hover: bool = False


@dataclass(frozen=True)
class EditControl:
    """How an item is edited in place: what is double-clicked, the field that appears, the key that saves."""

    opener: LocatorCandidate
    editor: LocatorCandidate
    commit: str


@dataclass(frozen=True)
class ItemAttribute:
    """How an item's own attribute is seen inside it: one of a select's option texts, or a unit's symbol."""

    values: tuple[str, ...] = ()
    unit: str = ""


class PageFacts:
    """Lookups over one PageModel."""

    def __init__(self, page: PageModel) -> None:
        self.page = page
        parts = urlsplit(page.final_url or page.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.slug = (
            snake(parts.path.strip("/").replace("/", " "), 30) or snake(parts.hostname or "") or "home"
        )
        heading = next((h.text for h in page.headings if h.level == 1 and h.text), "")
        title = _TITLE_SEPARATORS.split(page.title)[0].strip() if page.title else ""
        self.feature = heading or title or self.slug.replace("_", " ").capitalize()
        self._aria = [m for line in page.aria_snapshot.splitlines() if (m := _ARIA_LINE.match(line))]

    # --- things on the page -----------------------------------------------------------------------------

    def controls(self) -> list[Control]:
        return [*self.page.inputs, *self.page.buttons, *self.page.links, *self.page.selects]

    def has_role(self, role: str) -> bool:
        """Whether the page has an element of this ARIA role (alert, status…), even an empty one."""
        return any(m["role"] == role for m in self._aria)

    def snapshot_line(self, text: str) -> int | None:
        """The first line of the ARIA snapshot (in DOM order) naming or showing this text, if any."""
        wanted = " ".join(text.split()).lower()
        return next(
            (
                index
                for index, match in enumerate(self._aria)
                if wanted and wanted in " ".join(f"{match['name'] or ''} {match['rest']}".split()).lower()
            ),
            None,
        )

    def region_showing(self, text: str) -> str:
        """The ARIA role of the one region of its kind (banner, navigation…) holding this text, or ""."""
        line = self.snapshot_line(text)
        if line is None:
            return ""
        indent = len(self._aria[line]["indent"])
        for match in reversed(self._aria[:line]):
            if len(match["indent"]) < indent:
                indent = len(match["indent"])
                role = match["role"]
                if role in _REGION_ROLES and sum(m["role"] == role for m in self._aria) == 1:
                    return role
        return ""

    def collection(self, hint: str = "") -> Collection | None:
        """The list of items the requirement most likely means: named like `hint`, else the fullest one."""
        found: list[tuple[str, list[str]]] = []
        ancestors: list[tuple[int, str]] = []
        current: tuple[int, list[str]] | None = None
        for match in self._aria:
            indent = len(match["indent"])
            ancestors = [(i, r) for i, r in ancestors if i < indent]
            if current is not None and indent <= current[0]:
                current = None
            role, name = match["role"], (match["name"] or "").replace('\\"', '"')
            if role == "list" and not any(r in _OUTSIDE_CONTENT for _, r in ancestors):
                found.append((name, []))
                current = (indent, found[-1][1])
            elif role == "listitem" and current is not None and indent == current[0] + 2:
                current[1].append(match["rest"].lstrip(":").strip())
            elif role == "text" and current is not None and current[1] and not current[1][-1]:
                current[1][-1] = match["rest"].lstrip(":").strip()
            ancestors.append((indent, role))
        if not found:
            return self._observed_collection()
        hinted = {singular(w) for w in words(hint)}
        name, items = max(
            found,
            key=lambda f: (bool(hinted & {singular(w) for w in words(f[0])}), len(f[1]), -found.index(f)),
        )
        return Collection(name=name, item_texts=tuple(items), lists_on_page=len(found))

    def _observed_collection(self) -> Collection | None:
        """The list an entry was seen to add its item to, when the page as loaded shows no list at all."""
        for interaction in self.page.interactions:
            item = _added_item(interaction)
            if item is not None and item.locator is not None and item.locator.strategy == "css":
                return Collection(
                    name="", item_texts=(), lists_on_page=1, selector=_NTH.sub("", item.locator.value)
                )
        return None

    def item_attribute(self, attribute: str, item_texts: Sequence[str]) -> ItemAttribute | None:
        """How every item recon saw listed shows this attribute: the option texts of a select named for it
        that each item holds (a category filter's categories), or the currency symbol each price holds."""
        if not item_texts:
            return None
        named = singular(attribute.lower())
        for select in self.page.selects:
            if named not in {singular(w) for n in names_of(select) for w in words(n)}:
                continue
            labels = tuple(o.label for o in select.options if o.value and o.label)
            if labels and all(any(label.lower() in t.lower() for label in labels) for t in item_texts):
                return ItemAttribute(values=labels)
        if named in _MONEY_WORDS:
            symbols = [found[0] if (found := _CURRENCY.search(t)) else "" for t in item_texts]
            if all(symbols) and len(set(symbols)) == 1:
                return ItemAttribute(unit=symbols[0])
        return None

    def price_unit(self, item_count: int) -> str | None:
        """The one currency sign of the amounts the page shows, when it shows one for each of its items."""
        # the ARIA snapshot, not the visible texts: those name two equal prices once
        signs = _CURRENCY.findall(self.page.aria_snapshot)
        return signs[0] if item_count and len(signs) >= item_count and len(set(signs)) == 1 else None

    def find(self, text_words: str, *, kinds: Sequence[type] = (), exact_text: str = "") -> Control | None:
        """The control best named by these words (or exactly this text), of the given kinds."""
        wanted = [w for w in words(text_words) if w not in _STOPWORDS]
        best: tuple[float, Control] | None = None
        for control in self.controls():
            if kinds and not isinstance(control, tuple(kinds)):
                continue
            names = names_of(control)
            if exact_text:
                if any(n.strip().lower() == exact_text.strip().lower() for n in names):
                    return control
                continue
            have = {w for n in names for w in words(n)}
            score = sum(w in have or singular(w) in have for w in wanted) / len(wanted) if wanted else 0
            if score > 0 and (best is None or score > best[0]):
                best = (score, control)
        return best[1] if best else None

    def test_id(self, text_words: str) -> str | None:
        """A data-testid named by these words ("the counter" → counter)."""
        wanted = {w for w in words(text_words) if w not in _STOPWORDS}
        return next((t for t in self.page.test_ids if wanted and wanted <= set(words(t))), None)

    def login_form(self) -> LoginForm | None:
        """The password field, the username-like field next to it, and the button that sends them."""
        fields = self.page.sign_in_fields()
        if fields is None:
            return None
        username, password = fields
        return LoginForm(username, password, self.submit_of(password.form_key, SIGN_IN_WORDING))

    def submit_of(self, form_key: str | None, wording: str = "") -> Button | None:
        """The form's submit button, or a button in the form worded like `wording`."""
        form = next((f for f in self.page.forms if f.key == form_key), None) if form_key else None
        button = self.page.element(form.submit_key) if form and form.submit_key else None
        if isinstance(button, Button):
            return button
        return next(
            (
                b
                for b in self.page.buttons
                if (form_key is None or b.form_key == form_key)
                and wording
                and re.search(wording, b.text, re.IGNORECASE)
            ),
            None,
        )

    def search_box(self) -> InputField | None:
        boxes = [i for i in self.page.inputs if i.type == "search"]
        named = [i for i in self.page.inputs if re.search(r"search|query|find|filter", _hint(i), re.I)]
        return (boxes or named or [None])[0]

    def entry(self) -> Entry | None:
        """Where the page takes new entries: as recon saw one added, else a form with an Add-like button."""
        for seen in self.page.entries:
            field = self.page.element(seen.input_key)
            button = self.page.element(seen.button_key) if seen.button_key and seen.adds_on_button else None
            if isinstance(field, InputField) and (isinstance(button, Button) or seen.adds_on_enter):
                return Entry(field, button if isinstance(button, Button) else None)
        for form in self.page.forms:
            fields = [
                i
                for i in self.page.inputs
                if i.key in form.input_keys and i.type in _TEXT_TYPES and i.type not in ("password", "search")
            ]
            submit = self.submit_of(form.key, r"add|create|save|new|post")
            wording = f"{form.name} {submit.text if submit else ''}"
            if len(fields) == 1 and re.search(r"add|create|new|save|post", wording, re.IGNORECASE):
                return Entry(fields[0], submit)
        button = next((b for b in self.page.buttons if re.match(r"add|create|new", b.text, re.I)), None)
        loose = [i for i in self.page.inputs if not i.form_key and i.type in ("text", "")]
        return Entry(loose[0], button) if button and len(loose) == 1 else None

    def select_with(self, option: str, hint: str = "") -> Select | None:
        """The select offering this option (by label or value), preferring one named like `hint`."""
        offering = [
            s
            for s in self.page.selects
            if any(option.lower() in (o.label.lower(), o.value.lower()) for o in s.options)
        ]
        named = [s for s in offering if hint and set(words(hint)) & set(words(f"{s.label} {s.name}"))]
        return (named or offering or [None])[0]

    def delete_control(self) -> DeleteControl | None:
        """An item's delete control: the click recon saw remove a list item, else a button worded Delete."""
        removing = [
            i
            for i in self.page.interactions
            if i.action == "click"
            and i.locator is not None
            and i.url_after == i.url_before  # a filter link hides items and moves the URL; a delete does not
            and all(s.action in _REACHING for s in i.path)
            and any(_own_item(i, e) for e in i.disappeared_elements)
        ]
        if removing:
            # fewest steps first: a per-item control, not one clearing what an earlier step marked
            seen = min(removing, key=lambda i: i.level)
            locator = _unscoped(seen.locator)
            return DeleteControl(locator, hover=bool(seen.path) and seen.path[-1].action == "hover")
        for button in self.page.buttons:
            if _DELETE_WORDS.match(button.text.strip()):
                return DeleteControl(
                    LocatorCandidate(
                        strategy="role", role="button", name=button.text, value="button", exact=True
                    )
                )
        return None

    def complete_control(self) -> LocatorCandidate | None:
        """An item's own checkbox whose click recon saw change the page (the item's state, a counter)."""
        for interaction in self.page.interactions:
            locator = interaction.locator
            if (
                interaction.action in ("check", "click")
                and locator is not None
                and locator.role == "checkbox"
                and locator.container_role
                and interaction.changed
            ):
                return _unscoped(locator)
        return None

    def edit_control(self) -> EditControl | None:
        """The double-click recon saw open a field inside an item, and the key it saw save the edit."""
        commit = next(
            (
                i.pressed
                for i in self.page.interactions
                if i.action == "press"
                and i.pressed
                and any(s.action == "dblclick" for s in i.path)
                and any(e.kind == "item" for e in i.appeared_elements)
            ),
            None,
        )
        for interaction in self.page.interactions:
            editor = next(
                (
                    e.locator
                    for e in interaction.appeared_elements
                    if e.kind == "control" and e.role == "textbox" and e.locator is not None
                ),
                None,
            )
            if interaction.action == "dblclick" and interaction.locator and editor and commit:
                return EditControl(_unscoped(interaction.locator), _unscoped(editor), commit)
        return None

    def filters_live(self, field: InputField) -> bool:
        """Whether typing into the field alone changed the page when recon tried it (no submit needed)."""
        return any(
            i.action == "fill" and i.locator is not None and i.changed and i.locator in field.locators
            for i in self.page.interactions
        )

    def error_text_seen(self) -> str | None:
        """A text that appeared in an alert when recon submitted a form with made-up values."""
        for interaction in self.page.interactions:
            alert = any(c.what == "[role=alert]" and c.after > c.before for c in interaction.count_changes)
            if interaction.action == "submit" and alert and interaction.appeared_texts:
                return interaction.appeared_texts[0]
        return None

    def site_title(self, url: str) -> str:
        """The title recon saw at a same-origin URL it visited, or ""."""
        return next((e.title for e in self.page.site_map if e.url == url and e.status == 200), "")

    def relative(self, url: str) -> str | None:
        """The path of a same-origin URL (with its query), or None for another origin."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def names_of(control: Control) -> list[str]:
    """What a control is called: its label, text, placeholder, name, test id."""
    match control:
        case InputField():
            return [
                control.label,
                control.accessible_name,
                control.placeholder,
                control.name,
                control.test_id or "",
            ]
        case Button():
            return [control.text, control.role_name, control.test_id or ""]
        case Link():
            return [control.text, control.test_id or ""]
        case Select():
            return [control.label, control.name, control.test_id or ""]


def _hint(field: InputField) -> str:
    return f"{field.name} {field.label} {field.placeholder} {field.accessible_name}"


def _unscoped(locator: LocatorCandidate) -> LocatorCandidate:
    """The locator without the item recon found it in, to be used inside whichever item a test picks."""
    return locator.model_copy(update={"container_role": None, "container_text": None})


def _own_item(interaction: Interaction, gone: ObservedElement) -> bool:
    """Whether what disappeared is the item the click acted in: the one holding it, or its path added."""
    if gone.kind != "item":
        return False
    locator = interaction.locator
    if locator is not None and locator.container_role and locator.container_text == gone.name:
        return True
    return any(s.action == "fill" and s.value == gone.name for s in interaction.path)


def _added_item(interaction: Interaction) -> ObservedElement | None:
    """The list item an entry's Enter or button click made appear, the one holding the typed text."""
    typed = {s.value for s in interaction.path if s.action == "fill" and s.value}
    if interaction.action not in ("press", "click", "submit") or not typed:
        return None
    return next((e for e in interaction.appeared_elements if e.kind == "item" and e.name in typed), None)


def unique_var(base: str, taken: Iterable[str], suffix: str) -> str:
    """`base` as a variable name that is a valid identifier, not reserved and not taken yet."""
    taken = set(taken)
    name = base if base and not base[0].isdigit() else f"{suffix.strip('_')}_{base}".strip("_")
    if keyword.iskeyword(name) or name in _RESERVED or hasattr(builtins, name):
        name = f"{name}{suffix}"
    candidate, counter = name, 2
    while candidate in taken:
        candidate, counter = f"{name}_{counter}", counter + 1
    return candidate
