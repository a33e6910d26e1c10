"""Turns one plain-language requirement into a UI scenario for a page, or says why it cannot.

The reading (generators.ui.phrases, as beats of vocabulary.claims) says what to do and what to see; PageFacts
says which element is meant.
Requirement text wins: recon's observations only fill in what the text leaves open (which error text, the
address a "/products/{id}" stands for), and a claim about the page as it loads must be what recon saw there.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from generators.ui import phrases as p
from generators.ui.page_facts import (
    Collection,
    Control,
    PageFacts,
    describe,
    names_of,
    options_of,
    singular,
    snake,
    unique_var,
)
from generators.ui.scenario import Element, Scenario, Statement, Step, Use, check, code, do, py_str
from tools.page_recon import plausible_value
from vocabulary import claims
from vocabulary.artefacts import Requirement
from vocabulary.page_model import Button, InputField, Link, LocatorCandidate, ReachedState, Select
from vocabulary.page_model import Step as RecordedStep

# Entries a test makes up when a requirement says "adding three items" without naming them.
SAMPLE_ENTRIES = (
    "Pay the rent", "Call the bank", "Water the plants", "Book a dentist", "Renew the passport",
    "Buy stamps", "Clean the garage", "Plan the trip", "Fix the bike", "Answer the letters",
)  # fmt: skip
_KIND_TYPES: dict[str, tuple[type, ...]] = {
    "button": (Button,), "link": (Link,), "field": (InputField,), "checkbox": (InputField,),
    "select": (Select,),
}  # fmt: skip
_STATE_MATCHERS = {
    "disabled": "to_be_disabled", "enabled": "to_be_enabled", "checked": "to_be_checked",
    "unchecked": "not_to_be_checked", "hidden": "to_be_hidden", "visible": "to_be_visible",
    "empty": "to_be_empty",
}  # fmt: skip
_ROLE_WORDS = (
    ("alert", r"error|alert|warning|problem"),
    ("status", r"status|notice|notification|greeting|welcome"),
)
_PAGE_WORDS = {"", "page", "site", "screen", "app", "application"}
# what an item's name is called (the first line of its text), and what its price is
_NAME_WORDS = {"name", "title", "label"}
_MONEY_WORDS = {"price", "cost", "amount"}
_SIGN_IN_PAGE = re.compile(
    r"(?:the\s+)?(?:log\s*-?in|sign\s*-?in|sign-on)\s+(?:page|screen|form)", re.IGNORECASE
)
# which way in DOM order a place word points from the control it names
_ORDER_AXES = {
    "below": "following", "under": "following", "underneath": "following", "beneath": "following",
    "after": "following", "above": "preceding", "over": "preceding", "before": "preceding",
}  # fmt: skip
# the words a requirement calls each kind of page region by
_REGION_WORDS = {
    role: re.compile(rf"\b(?:{words})\b", re.IGNORECASE)
    for role, words in {
        "banner": "banner|header|top", "navigation": "navigation|nav|menu", "contentinfo": "footer",
        "main": "main|content", "alert": "alert|error", "status": "status", "form": "form",
        "dialog": "dialog|popup|modal", "complementary": "sidebar|aside", "region": "region|section|panel",
    }.items()
}  # fmt: skip


@dataclass(frozen=True)
class Uncovered:
    reason: str


@dataclass(frozen=True)
class Known:
    """What one requirement tells the others: the credentials that log in."""

    user: str = ""
    password: str = ""


@dataclass(frozen=True)
class Reach:
    """How a test gets from the page recon opened (at `path`) to a state recon reached from it."""

    path: str
    state: ReachedState


def known_values(requirements: Sequence[Requirement]) -> Known:
    """The first valid credentials any requirement names ("as demo / secret")."""
    for requirement in requirements:
        for action in p.read(requirement.text).actions:
            if isinstance(action, claims.Login) and not action.wrong and action.user:
                return Known(action.user, action.password)
    return Known()


def function_name(text: str) -> str:
    """`test_` and the requirement in snake case, without a leading article, cut at about 72 characters."""
    name = snake(re.sub(r"^\s*(?:the|a|an)\s+", "", text, flags=re.IGNORECASE), 72)
    return f"test_{name or 'requirement'}"


def url_expr(path: str) -> str:
    """Python for the URL of a path on the site under test."""
    if any(c in path for c in '{}"\\'):
        return f"base_url + {json.dumps(path)}"
    return f'f"{{base_url}}{path}"'


def lit(text: str) -> str:
    return py_str(text)


class Unplannable(Exception):
    """The requirement cannot become a real test on this page; the message says why."""


@dataclass
class _Builder:
    """Accumulates one scenario while the reading's actions and outcome are applied in order."""

    facts: PageFacts
    known: Known
    scenario: Scenario
    vars_by_key: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    deleted: str = ""
    kept: list[str] = field(default_factory=list)
    last_field: str = ""
    searched: str = ""
    chosen: tuple[Select, str] | None = None
    clicked_link: Link | None = None
    refused: str = ""  # how an empty add was refused: "disabled" button or "sent" and ignored
    typed: str = ""  # what was typed into the entry field and not sent yet
    elsewhere: bool = False  # the test went to a page recon did not read
    named_items: tuple[str, ...] = ()  # the items the last check named
    named_only: bool = False  # whether that check already said no other item is listed
    acted: bool = False  # whether any action ran yet, beyond opening the page
    # whether the actions so far are the sign-ins this builder chose to make placed messages appear
    made_to_appear: bool = False
    # planning on a state recon reached: the test opens recon's page and takes recon's steps to it
    reach: Reach | None = None
    # whether the requirement's own steps sign in as recon did (then they, not recon's, reach the state)
    signs_in_itself: bool = False

    # --- declaring what the test locates ------------------------------------------------------------------

    def _add(
        self,
        base: str,
        options: tuple[str, ...],
        description: str,
        suffix: str,
        *,
        scope: str | None = None,
        inline: bool = False,
    ) -> str:
        var = unique_var(base, (e.var for e in self.scenario.elements), suffix)
        self.scenario.elements.append(Element(var, options, description, scope=scope, inline=inline))
        return var

    def declare(self, control: Control) -> str:
        """The variable holding a page control's locator, declared on first use."""
        if control.key in self.vars_by_key:
            return self.vars_by_key[control.key]
        if not options_of(control):
            raise Unplannable(f"recon found no usable locator for {describe(control)}")
        # buttons and links are named for what they are ("log_in_button"), fields for what they hold
        suffix = {Button: "_button", Link: "_link", InputField: "_field", Select: "_select"}[type(control)]
        base = snake(describe(control))
        if isinstance(control, Button | Link) and base:
            base += suffix
        var = self._add(base, options_of(control), describe(control), suffix)
        self.vars_by_key[control.key] = var
        return var

    def items(self, hint: str = "") -> tuple[str, Collection]:
        """The variable holding the page's list items."""
        collection = self.facts.collection(hint)
        if collection is None:
            raise Unplannable("the page has no list whose items could be checked")
        if "items" not in self.vars_by_key:
            var = self._add(collection.var, collection.options(), f'the "{collection.name}" list', "_items")
            self.vars_by_key["items"] = var
        return self.vars_by_key["items"], collection

    def text(self, text: str) -> str:
        """An inline locator for a text; counts are matched exactly ("3 items" is not "13 items")."""
        loose, exact = f"page.get_by_text({lit(text)})", f"page.get_by_text({lit(text)}, exact=True)"
        options = (exact, loose) if re.search(r"\d", text) else (loose, exact)
        return self._add(f"text_{snake(text, 20)}", options, f'"{text}"', "", inline=True)

    def role(self, role: str) -> str:
        if role not in self.vars_by_key:
            self.vars_by_key[role] = self._add(
                role, (f'page.get_by_role("{role}")',), f"the {role}", "_region"
            )
        return self.vars_by_key[role]

    def step(self, title: str, *statements: Statement) -> None:
        self.scenario.steps.append(Step(title, tuple(statements)))

    def submit(self, button: Button | None, field_var: str) -> Statement:
        return do(self.declare(button), "click") if button else do(field_var, "press", '"Enter"')

    # --- actions ------------------------------------------------------------------------------------------

    def open_page(self) -> None:
        if self.reach is None:
            self.step(f"Open the {self.facts.feature} page", code(f"page.goto({url_expr(self.facts.path)})"))
            return
        self.step(f"Open {self.reach.path}", code(f"page.goto({url_expr(self.reach.path)})"))
        if not self.signs_in_itself or self.acted:
            self._take_reach_steps()

    def _take_reach_steps(self) -> None:
        """Recon's steps from the page it opened to the reached state, with the locators recon used."""
        if self.reach is None:
            raise Unplannable("the requirement's state is the page as loaded")
        self.step(self.reach.state.purpose, *self._replay(self.reach.state.steps))

    def _replay(self, recorded_steps: Sequence[RecordedStep]) -> list[Statement]:
        """Recon's recorded steps as statements, each with the locator recon used and done as recon did it."""
        statements: list[Statement] = []
        for recorded in recorded_steps:
            if recorded.locator is None:
                raise Unplannable(f"recon kept no locator for {recorded.target}")
            named = re.search(r'"(.*)"', recorded.target)
            typed = recorded.action in ("fill", "press", "select")
            suffix = "_field" if typed else "_button"
            base = snake(named.group(1) if named else recorded.target) + ("" if typed else suffix)
            options = (recorded.locator.to_python(),)
            known = next((e.var for e in self.scenario.elements if e.options == options), None)
            var = known or self._add(base, options, recorded.target, suffix)
            match recorded.action:
                case "fill" | "press":
                    statements.append(do(var, recorded.action, lit(recorded.value or "")))
                case "select":
                    statements.append(do(var, "select_option", lit(recorded.value or "")))
                case "hover" | "dblclick":
                    statements.append(do(var, recorded.action))
                case _:
                    # recon ticks boxes by clicking them, as a user toggles them
                    statements.append(do(var, "click"))
        return statements

    def act(self, action: claims.Action) -> None:
        self.acted = True
        match action:
            case claims.Login():
                self._login(action)
            case claims.Search(query):
                self._search(query)
            case claims.Add():
                self._add_entries(action)
            case claims.Delete(text):
                self._delete(text)
            case claims.Complete(text):
                self._complete(text)
            case claims.Rename(new, text):
                self._rename(new, text)
            case claims.Choose(option, hint):
                self._choose(option, hint)
            case claims.Click(text, kind, within):
                self._click(text, kind, within)
            case claims.Fill(value, field_words):
                self._fill(value, field_words)
            case claims.Clear(field_words):
                found = self._field(field_words)
                self.step(f"Empty {describe(found)}", do(self.declare(found), "fill", '""'))
            case claims.FillAll():
                self._fill_all()
            case claims.SetTo(target, value):
                self._set_to(target, value)
            case claims.Press(key, field_words):
                if field_words:
                    self._press_in(key, self._field(field_words))
                    return
                press = do(self.last_field, "press", lit(key)) if self.last_field else None
                self.step(f"Press {key}", press or code(f"page.keyboard.press({lit(key)})"))
                self._sent_entry(self.last_field)
            case claims.SetChecked(label, checked):
                box = self.facts.find(label, kinds=(InputField,))
                if not isinstance(box, InputField) or box.type not in ("checkbox", "radio"):
                    raise Unplannable(f'no checkbox on the page matches "{label}"')
                verb = "check" if checked else "uncheck"
                self.step(f"{verb.capitalize()} {describe(box)}", do(self.declare(box), verb))
            case claims.GoBack():
                self.step("Go back", code("page.go_back()"))
            case claims.Reload():
                self.step("Reload the page", code("page.reload()"))
            case claims.DoubleClick(text):
                self._double_click(text)
            case claims.Submit():
                self._submit()
            case claims.Open(path):
                if not path.startswith("/"):
                    raise Unplannable(f'"{path}" is not a path on this site')
                self.elsewhere = path != self.facts.path
                self.step(f"Open {path}", code(f"page.goto({url_expr(path)})"))

    def _field(self, field_words: str) -> InputField:
        found = self.facts.find(field_words, kinds=(InputField,))
        if not isinstance(found, InputField):
            raise Unplannable(f'no field on the page matches "{field_words}"')
        return found

    def _fill(self, value: str, field_words: str) -> None:
        found = self._field(field_words)
        if found is self.facts.search_box():
            self._search(value)  # sent the way recon saw this page search: as typed, or on Enter
            return
        self.last_field = self.declare(found)
        entry = self.facts.entry()
        if entry is not None and entry.field is found:
            self.typed = value
        self.step(f"Type {lit(value)} into {describe(found)}", do(self.last_field, "fill", lit(value)))

    def _press_in(self, key: str, found: InputField) -> None:
        """A key pressed in a field; in the entry field, with an entry typed first if none was."""
        entry = self.facts.entry()
        if entry is not None and entry.field is found and not self.typed:
            self._fill(made_up_entries(1, avoid=self.added)[0], describe(found))
        self.last_field = self.declare(found)
        self.step(f"Press {key} in {describe(found)}", do(self.last_field, "press", lit(key)))
        self._sent_entry(self.last_field)

    def _sent_entry(self, sent_from: str) -> None:
        """What was typed into the entry field is added once its button is clicked or Enter pressed in it."""
        entry = self.facts.entry()
        if (
            self.typed
            and entry is not None
            and sent_from in (self.vars_by_key.get(entry.field.key), "submit")
        ):
            self.added.append(self.typed.strip())
            self.typed = ""

    def _click(self, text: str, kind: str, within: str) -> None:
        deleting = self.facts.delete_control()
        if deleting is not None and (deleting.locator.name or "").lower() == text.lower():
            self._delete(within)
            return
        kinds = _KIND_TYPES.get(kind, ())
        wanted = _verb_names(text) if kind == claims.VERB_KIND else {text.lower()}
        alike = [
            c
            for c in self.facts.controls()
            if (not kinds or isinstance(c, kinds)) and any(n.strip().lower() in wanted for n in names_of(c))
        ]
        if within:
            alike = [c for c in alike if _owner(c).lower().startswith(within.lower())]
        if not alike and kind == claims.VERB_KIND:
            raise Unplannable(f'nothing on the page is named for the verb "{text}…ing" (a button or link)')
        if not alike and not within and self._click_revealed(text):
            return
        if not alike:
            if self.elsewhere:
                # a page recon did not read: its control is found by the words the requirement quotes
                var = self._add(snake(text), (f"page.get_by_text({lit(text)}, exact=True)",), f'"{text}"', "")
                self.step(f'Click "{text}"', do(var, "click"))
                return
            where = f' in the item "{within}"' if within else ""
            raise Unplannable(f'nothing on the page is labelled "{text}"{where}')
        control = alike[0]
        self.clicked_link = control if isinstance(control, Link) else None
        owner = _owner(control)
        self.step(
            f"Click {describe(control)}" + (f" of {lit(owner)}" if owner else ""),
            do(self.declare(control), "click"),
        )
        entry = self.facts.entry()
        if entry is not None and entry.submit is control:
            self._sent_entry("submit")

    def _click_revealed(self, text: str) -> bool:
        """Click a control recon saw appear only after one click here (a menu's item once the menu is open):
        that click first, as recon did it, then the control; False when recon saw no such control."""
        for interaction in self.facts.page.interactions:
            shown = next(
                (
                    e
                    for e in interaction.appeared_elements
                    if e.kind == "control" and e.name.strip().lower() == text.lower()
                ),
                None,
            )
            opener = interaction.locator
            if shown is None or shown.locator is None or opener is None or interaction.action != "click":
                continue
            # one click on the state as it is (a menu button), not a chain of them
            if interaction.path or interaction.url_after != interaction.url_before or interaction.error:
                continue
            opening = RecordedStep(action="click", target=interaction.target, locator=opener)
            steps = [opening]
            self.step(f"Click {interaction.target} to show {lit(text)}", *self._replay(steps))
            var = self._add(snake(text) + "_button", (shown.locator.to_python(),), lit(text), "_button")
            self.step(f"Click {lit(text)}", do(var, "click"))
            return True
        return False

    def _double_click(self, text: str) -> None:
        control = self.facts.find("", exact_text=text)
        if control is not None:
            self.step(f"Double-click {describe(control)}", do(self.declare(control), "dblclick"))
            return
        items_var, collection = self.items()
        if not any(text.lower() in t.lower() for t in [*collection.item_texts, *self.added]):
            raise Unplannable(f'nothing on the page, and no item, is worded "{text}"')
        self.step(
            f"Double-click {lit(text)}", code(Use(items_var, f".filter(has_text={lit(text)}).dblclick()"))
        )

    def _fill_all(self) -> None:
        fields = self._gate_fields("all", "")
        for field_ in fields:
            self.declare(field_)
        self.step(
            "Fill every field",
            *(do(self.declare(f), "fill", lit(self._value_for(f))) for f in fields),
        )

    def _set_to(self, target: str, value: str) -> None:
        select = self.facts.select_with(value, target)
        if select is not None:
            self._choose(value, target)
            return
        self._fill(value, target)

    def _submit(self) -> None:
        field_key = next((k for k, v in self.vars_by_key.items() if v == self.last_field), None)
        field_ = self.facts.page.element(field_key) if field_key else None
        forms = self.facts.page.forms
        form_key = getattr(field_, "form_key", None) or (forms[0].key if len(forms) == 1 else None)
        if form_key is None:
            raise Unplannable("it is not clear which form is sent")
        button = self.facts.submit_of(form_key)
        if button is not None and button.disabled and not self.last_field:
            raise Unplannable(f"{describe(button)} is disabled while the form is empty, so it cannot be sent")
        if button is None and not self.last_field:
            raise Unplannable("the form has no submit button and nothing was typed to press Enter in")
        self.step("Send the form", self.submit(button, self.last_field))

    def _login(self, action: claims.Login) -> None:
        if self.reach is not None and self.signs_in_itself and not action.wrong:
            self._take_reach_steps()
            return
        form = self.facts.login_form()
        if form is None:
            raise Unplannable("the page has no sign-in form (a password field next to a username field)")
        user, password = action.user, action.password
        title = f'Log in as "{user}"'
        if action.wrong:
            user = action.user or self.known.user or "unknown-user"
            password = "wrong-password" if self.known.password != "wrong-password" else "another-password"
            title = f'Log in as "{user}" with a wrong password'
        username_var, password_var = self.declare(form.username), self.declare(form.password)
        self.step(
            title,
            do(username_var, "fill", lit(user)),
            do(password_var, "fill", lit(password)),
            self.submit(form.submit, password_var),
        )

    def _search(self, query: str) -> None:
        box = self.facts.search_box()
        if box is None:
            raise Unplannable("the page has no search field")
        box_var = self.declare(box)
        statements = [do(box_var, "fill", lit(query))]
        button = self.facts.submit_of(box.form_key, r"search|find|go") if box.form_key else None
        if button is not None or not self.facts.filters_live(box):
            # recon saw typing alone change nothing, so the search has to be sent
            statements.append(self.submit(button, box_var))
        self.searched = query
        self.step(f"Search for {lit(query)}", *statements)

    def _entry(self) -> tuple[str, Button | None]:
        entry = self.facts.entry()
        if entry is None:
            raise Unplannable(
                "recon saw no text field add a list item (on Enter or with its button), and no form has an "
                "Add-like button"
            )
        return self.declare(entry.field), entry.submit

    def _add_entries(self, action: claims.Add, *, check_added: bool = False) -> None:
        if action.empty and action.sent_by is not None and self.facts.entry() is None:
            # a page that takes no entries: the text presses a control with the field it names left empty
            self.act(claims.Clear(action.left_empty))
            self.act(action.sent_by)
            return
        field_var, button = self._entry()
        if action.empty:
            if button is not None and button.disabled:
                self.refused = "disabled"
                return
            items_var, _ = self.items()
            self.refused = "sent"
            self.step(
                "Send the form with the field left empty",
                code("items_before = ", Use(items_var), ".count()"),
                self.submit(button, field_var),
            )
            return
        texts = list(action.texts) or made_up_entries(action.count, avoid=self.added)
        statements = [
            s for text in texts for s in (do(field_var, "fill", lit(text)), self.submit(button, field_var))
        ]
        self.added += texts
        named = ", ".join(lit(t) for t in texts)
        self.step(f"Add {named}" if len(texts) == 1 else f"Add {len(texts)} entries: {named}", *statements)
        if check_added:
            items_var, _ = self.items()
            self.step(
                "Check that the entries are in the list",
                *(check(items_var, "to_be_visible", suffix=f".filter(has_text={lit(t)})") for t in texts),
            )

    def _delete(self, text: str) -> None:
        items_var, collection = self.items()
        control = self.facts.delete_control()
        if control is None:
            raise Unplannable(
                "recon saw no click remove a list item, and no button is worded Delete or Remove"
            )
        present = [t for t in collection.item_texts if t]
        if self.added and (not text or text in self.added):
            # the test's own entries: the one named, or the first it added
            target = text or self.added[0]
            kept = [t for t in self.added if t != target]
        elif text and any(text.lower() in t.lower() for t in present):
            target, kept = text, [t for t in present if text.lower() not in t.lower()][:1]
        elif text or not present:
            texts = [text] if text else made_up_entries(2, avoid=self.added)
            self._add_entries(claims.Add(texts=tuple(texts), count=len(texts)), check_added=True)
            target, kept = texts[0], texts[1:]
        else:
            target, kept = _short(present[0]), [_short(t) for t in present[1:2]]
        item = f"{items_var}.filter(has_text={lit(target)})"
        options = tuple(c.to_python(item) for c in _loosening(control.locator))
        description = (
            f'"{control.locator.name}" of "{target}"'
            if control.locator.name
            else f'the delete control of "{target}"'
        )
        button = self._add("delete_button", options, description, "", scope=items_var)
        self.deleted, self.kept = target, kept
        # recon found the control only while the pointer was over the item
        hover = [code(Use(items_var, f".filter(has_text={lit(target)}).hover()"))] if control.hover else []
        self.step(f'Delete "{target}"', *hover, do(button, "click"))

    def _rename(self, new: str, text: str) -> None:
        items_var, _ = self.items()
        control = self.facts.edit_control()
        if control is None:
            raise Unplannable("recon saw no double-click open a field inside a list item and a key save it")
        target = self._one_item(text)
        item = f"{items_var}.filter(has_text={lit(target)})"
        # recon double-clicked its own item's text; this test's item has its own
        opener = control.opener
        if opener.strategy == "text":
            opener = opener.model_copy(update={"value": target, "exact": True})
        opener_var = self._add(
            "item_text", (opener.to_python(item),), f'the text of "{target}"', "", scope=items_var
        )
        editor_var = self._add(
            "edit_field",
            (control.editor.to_python(item),),
            f'the field editing "{target}"',
            "",
            scope=items_var,
        )
        self.added = [new if t == target else t for t in self.added]
        self.step(
            f"Rename {lit(target)} to {lit(new)}",
            do(opener_var, "dblclick"),
            do(editor_var, "fill", lit(new)),
            do(editor_var, "press", lit(control.commit)),
        )

    def _one_item(self, text: str) -> str:
        """The item an action on one entry acts on: the named one, the first shown, or one added now."""
        _, collection = self.items()
        present = [t for t in collection.item_texts if t]
        if text and any(text.lower() in t.lower() for t in present):
            return text
        if text or not present:
            # exactly one new entry, so a counter the requirement quotes counts only what the test made
            target = text or made_up_entries(1, avoid=self.added)[0]
            self._add_entries(claims.Add(texts=(target,), count=1), check_added=True)
            return target
        return _short(present[0])

    def _complete(self, text: str) -> None:
        items_var, _ = self.items()
        control = self.facts.complete_control()
        if control is None:
            raise Unplannable("recon saw no checkbox inside a list item change the page when clicked")
        target = self._one_item(text)
        item = f"{items_var}.filter(has_text={lit(target)})"
        box = self._add(
            "done_checkbox", (control.to_python(item),), f'the checkbox of "{target}"', "", scope=items_var
        )
        self.step(f'Mark "{target}" as done', do(box, "check"))

    def _choose(self, option: str, hint: str) -> None:
        select = self.facts.select_with(option, hint)
        if select is None:
            # "choosing Logout in the menu": a menu's item, not a select's option
            try:
                self._click(option, "", "")
            except Unplannable:
                raise Unplannable(f'no select offers "{option}", nor is a control named so') from None
            return
        label = next(o.label for o in select.options if option.lower() in (o.label.lower(), o.value.lower()))
        self.chosen = (select, label)
        self.step(
            f"Choose {lit(label)} in {describe(select)}",
            do(self.declare(select), "select_option", f"label={lit(label)}"),
        )

    # --- outcomes -----------------------------------------------------------------------------------------

    def subject(self, subject: claims.Subject | None) -> str | None:
        """The variable for what the requirement talks about; None when it is the page itself."""
        if subject is not None and subject.kind and not subject.words and not subject.quoted:
            return self._form("") if subject.kind == "form" else self._only_of_kind(subject.kind)
        if subject is None or (subject.words.lower() in _PAGE_WORDS and not subject.quoted):
            return None
        if not subject.quoted and re.search(r"\b(?:page|screen)$", subject.words, re.IGNORECASE):
            return None  # "the Sign in page": the page itself
        if subject.kind == "form" or re.search(r"\bform$", subject.words, re.IGNORECASE):
            return self._form(subject.words)
        kinds = _KIND_TYPES.get(subject.kind, ())
        control = (
            self.facts.find("", kinds=kinds, exact_text=subject.quoted)
            if subject.quoted
            else self.facts.find(subject.words, kinds=kinds)
        )
        if control is not None:
            return self.declare(control)
        if subject.quoted and not subject.kind:
            return self.text(subject.quoted)
        if test_id := self.facts.test_id(subject.words):
            if test_id not in self.vars_by_key:
                self.vars_by_key[test_id] = self._add(
                    snake(test_id),
                    (f"page.get_by_test_id({lit(test_id)})",),
                    f"the {subject.words}",
                    "_element",
                )
            return self.vars_by_key[test_id]
        for role, pattern in _ROLE_WORDS:
            if re.search(pattern, subject.words, re.IGNORECASE) and self.facts.has_role(role):
                return self.role(role)
        raise Unplannable(f'nothing on the page matches "{subject.quoted or subject.words}"')

    def _form(self, words: str) -> str:
        """The form the words name ("the sign-in form"), by its accessible name, or the page's only form."""
        wanted = {singular(w) for w in re.findall(r"[a-z0-9]+", words.lower())} - {"form", "the"}
        forms = self.facts.page.forms
        named = [
            f
            for f in forms
            if f.name and wanted <= {singular(w) for w in re.findall(r"[a-z0-9]+", f.name.lower())}
        ]
        form = (named or (forms if len(forms) == 1 else []) or [None])[0]
        if form is None or not form.name:
            raise Unplannable(f'no form on the page is named like "{words}"')
        key = f"form:{form.key}"
        if key not in self.vars_by_key:
            locator = f'page.get_by_role("form", name={lit(form.name)})'
            self.vars_by_key[key] = self._add(
                f"{snake(form.name)}_form", (locator,), f'the "{form.name}" form', "_form"
            )
        return self.vars_by_key[key]

    def _only_of_kind(self, kind: str) -> str:
        """ "the button": the one this test already uses, else the page's only one of that kind."""
        kinds = _KIND_TYPES.get(kind, ())
        if not kinds:
            raise Unplannable("the requirement does not say which element it means")
        used = [c for c in self.facts.controls() if isinstance(c, kinds) and c.key in self.vars_by_key]
        present = [c for c in self.facts.controls() if isinstance(c, kinds)]
        if len(used) == 1 or (not used and len(present) == 1):
            return self.declare((used or present)[0])
        raise Unplannable(
            f"the page has {len(present)} of what it calls the {kind}, and it does not say which"
        )

    def _regions(self, subject: claims.Subject | None) -> list[str]:
        """ "the message areas": every alert and status region of the page."""
        words = subject.words if subject else ""
        if re.search(r"\bmessages?\s+(?:areas|regions|boxes)\b|\bmessages\b", words, re.IGNORECASE):
            regions = [self.role(role) for role, _ in _ROLE_WORDS if self.facts.has_role(role)]
            if regions:
                return regions
        return [self._region(subject)]

    def _region(self, subject: claims.Subject | None) -> str:
        """A message region the words name (an error: the alert, a greeting: the status), or the element."""
        words = subject.words if subject else ""
        for role, pattern in _ROLE_WORDS:
            if re.search(pattern, words, re.IGNORECASE) and self.facts.has_role(role):
                return self.role(role)
        target = self.subject(subject)
        if target is None:
            raise Unplannable("the requirement does not say what should be gone")
        return target

    def expect(self, outcome: claims.Outcome, subject: claims.Subject | None) -> None:
        match outcome:
            case claims.ShowsText(text, where):
                self._shows_text(text, subject, where)
            case claims.ShowsError():
                self._shows_error()
            case claims.ShowsEntry():
                if not self.added:
                    raise Unplannable("nothing was added that could be looked for")
                items_var, _ = self.items()
                for text in self.added:
                    shown = check(items_var, "to_be_visible", suffix=f".filter(has_text={lit(text)})")
                    self.step(f"Check that {lit(text)} is in the list", shown)
            case claims.Only(noun, word):
                self._only(noun, word)
            case claims.Removed():
                if not self.deleted:
                    raise Unplannable("nothing was deleted whose absence could be checked")
                items_var, _ = self.items()
                self.step(
                    f'Check that "{self.deleted}" is gone and the rest stayed',
                    check(items_var, "to_have_count", "0", suffix=f".filter(has_text={lit(self.deleted)})"),
                    *(
                        check(items_var, "to_be_visible", suffix=f".filter(has_text={lit(t)})")
                        for t in self.kept
                    ),
                )
            case claims.NotAdded():
                self._not_added()
            case claims.Gate(state, condition):
                self._gate(state, condition, subject)
            case claims.MasksInput():
                try:
                    target = self.subject(subject) if subject else None
                except Unplannable:
                    target = None  # "the typed characters are obscured": the password field, as below
                form = self.facts.login_form()
                if target is None and form is not None:
                    target = self.declare(form.password)
                if target is None:
                    raise Unplannable("no field to check for masking")
                self.step(
                    f"Check that {self.scenario.element(target).description} masks what is typed",
                    check(target, "to_have_attribute", '"type"', '"password"'),
                )
            case claims.State("absent"):
                region = self._region(subject)
                description = self.scenario.element(region).description
                role_region = region in (self.vars_by_key.get("alert"), self.vars_by_key.get("status"))
                matcher = "to_be_empty" if role_region else "to_be_hidden"
                self.step(f"Check that {description} shows nothing", check(region, matcher))
            case claims.Cleared(what):
                region = self._region(claims.Subject(words=what))
                description = self.scenario.element(region).description
                self.step(f"Check that {description} is empty again", check(region, "to_be_empty"))
            case claims.State("empty") if subject is not None and re.search(r"\bmessages?\b", subject.words):
                for region in self._regions(subject):
                    description = self.scenario.element(region).description
                    self.step(f"Check that {description} is empty", check(region, "to_be_empty"))
            case claims.State(state):
                if subject is None and state in ("disabled", "enabled"):
                    subject = claims.Subject(words="", kind="button")
                target = self.subject(subject)
                if target is None:
                    raise Unplannable(f"the requirement does not say what should be {state}")
                description = self.scenario.element(target).description
                self.step(f"Check that {description} is {state}", check(target, _STATE_MATCHERS[state]))
            case claims.OpensOwnPage():
                self._opens_own_page(subject)
            case claims.GoesTo(destination):
                self._goes_to(destination, subject)
            case claims.UrlChanges():
                if subject is not None:
                    self._follow(self._link_subject(subject))
                elif len(self.scenario.steps) < 2:
                    raise Unplannable("the requirement does not say what makes the page change")
                away = code(f"expect(page).not_to_have_url({url_expr(self.facts.path)})")
                self.step("Check that another page opened", away)
            case claims.Listed(text, times):
                items_var, _ = self.items()
                found = check(items_var, "to_have_count", str(times), suffix=f".filter(has_text={lit(text)})")
                some = check(items_var, "not_to_have_count", "0", suffix=f".filter(has_text={lit(text)})")
                self.step(
                    f"Check that {lit(text)} is listed" + (f" {times} times" if times else ""),
                    found if times else some,
                )
            case claims.NotListed(text):
                items_var, _ = self.items()
                self.step(
                    f"Check that {lit(text)} is no longer listed",
                    check(items_var, "to_have_count", "0", suffix=f".filter(has_text={lit(text)})"),
                )
            case claims.ItemsAre(names, only, ordered):
                self._items_are(names or tuple(self.added), only=only, ordered=ordered)
            case claims.EveryItemHas(kind, name):
                self._every_item_has(kind, name)
            case claims.EveryItemShows(attributes, beside):
                self._every_item_shows(attributes, beside)
            case claims.SortedBy(attribute, descending):
                self._sorted_by(attribute, descending=descending)
            case claims.OnCounter(text, words, counter):
                self._on_counter(text, words, counter)
            case claims.Amounts(amounts):
                self._amounts(amounts)
            case claims.Persists():
                if not self.added:
                    # "added entries persist": one the test adds itself
                    self._add_entries(claims.Add(count=1))
                items_var, _ = self.items()
                reloaded = any(step.title == "Reload the page" for step in self.scenario.steps)
                statements = [] if reloaded else [code("page.reload()")]
                statements += [
                    check(items_var, "not_to_have_count", "0", suffix=f".filter(has_text={lit(t)})")
                    for t in self.added
                ]
                self.step("Check that the entries are still listed after a reload", *statements)
            case claims.InRegion(text, role):
                if not self.acted or self.made_to_appear:
                    self._make_appear(text, role)
                if not self.facts.has_role(role):
                    raise Unplannable(f"the page has no {role} region")
                region = self.role(role)
                self.step(
                    f"Check that the {role} says {lit(text)}", check(region, "to_contain_text", lit(text))
                )
            case claims.HidesItems(groups):
                self._hides_items(groups)
            case claims.OthersHidden():
                if not self.named_items:
                    raise Unplannable("it does not say which items are the only ones listed")
                if not self.named_only:
                    self._items_are(self.named_items, only=True, ordered=False, again=True)
            case claims.ShowsTexts(texts):
                for text in texts:
                    self._shows_text(text, None)
            case claims.HidesText(text):
                self._as_loaded(f'"{text}" is shown', not self._seen_at_load(text))
                self.step(f"Check that {lit(text)} is not shown", check(self.text(text), "to_be_hidden"))
            case claims.HeadingIs(text):
                if subject is not None and not _names_page(subject):
                    with contextlib.suppress(Unplannable):  # "Desk Lamp's link opens a page headed …"
                        self._follow_named(self._link_subject(subject))
                if not self.acted and not any(
                    text.lower() in h.text.lower() for h in self.facts.page.headings
                ):
                    raise Unplannable(
                        f'the page recon read has no heading "{text}", and nothing is done to reach one'
                    )
                if not text:
                    text = _owner(self.clicked_link) if self.clicked_link else ""
                    if not text:
                        raise Unplannable(
                            "it names the heading by the item's name, but no item's link was followed"
                        )
                heading = f'page.get_by_role("heading", name={lit(text)})'
                self.step(
                    f"Check that the page is headed {lit(text)}", code(f"expect({heading}).to_be_visible()")
                )
            case claims.TitleIs(text):
                self.step(
                    f"Check that the title is {lit(text)}", code(f"expect(page).to_have_title({lit(text)})")
                )
            case claims.HasControls(kind, names):
                self._has_controls(kind, names)
            case claims.Offers(options, selected):
                self._offers(options, selected, subject)
            case claims.HasType(kind):
                target = self.subject(subject)
                if target is None:
                    raise Unplannable(f"the requirement does not say which field is a {kind} input")
                description = self.scenario.element(target).description
                self.step(
                    f"Check that {description} is a {kind} input",
                    check(target, "to_have_js_property", '"type"', lit(kind)),
                )
            case claims.CountIs(count, noun):
                items_var, collection = self.items(noun)
                self._as_loaded(
                    f"{len(collection.item_texts)} {noun} are listed", count == len(collection.item_texts)
                )
                self.step(
                    f"Check that {count} {noun} {'is' if count == 1 else 'are'} listed",
                    check(items_var, "to_have_count", str(count)),
                )

    def _sorted_by(self, attribute: str, *, descending: bool) -> None:
        """The listed items' names (their first line) or prices (the amount after the page's currency sign)
        are in order; another attribute is not one recon can read off every item."""
        items_var, collection = self.items()
        if len(collection.item_texts) < 2:
            raise Unplannable("fewer than two items are listed, so no order can be seen")
        unit = (
            self.facts.price_unit(len(collection.item_texts)) if singular(attribute) in _MONEY_WORDS else None
        )
        if singular(attribute) in _NAME_WORDS:
            reading = "[text.strip().splitlines()[0].strip() for text in texts]"
            key = ", key=str.casefold"
        elif unit is not None:
            unit = lit(unit)
            reading = f'[float(text.split({unit}, 1)[1].split()[0].replace(",", "")) for text in texts]'
            key = ""
        else:
            raise Unplannable(f'it orders the items by "{attribute}", which recon cannot read off each item')
        way = "highest first" if descending else "lowest first"
        message = lit(f"not in order of {attribute}: ")
        reverse = ", reverse=True" if descending else ""
        self.step(
            f"Check that the items are in order of {attribute}, {way}",
            code(f"expect({items_var}.first).to_be_visible()"),
            code("texts = ", Use(items_var), ".all_inner_texts()"),
            code(f"values = {reading}"),
            code(f"assert values == sorted(values{key}{reverse}), {message} + str(values)"),
        )

    def _on_counter(self, text: str, words: str, counter: str) -> None:
        """The number on a control's badge: a control named by the words whose name recon saw gain a number
        when an action here changed the page (a cart link "Cart" becoming "Cart1")."""
        wanted = set(words.split())
        named = [
            c
            for c in self.facts.controls()
            if isinstance(c, Link | Button) and any(wanted <= set(n.lower().split()) for n in names_of(c))
        ]
        if not named:
            # "the items counter shows 3": an element of its own, not a badge on a control
            self._shows_text(text, claims.Subject(words=f"{words} {counter}"))
            return
        control = next((c for c in named if self._counter_seen(c)), None)
        if control is None:
            raise Unplannable(f"recon saw no action change a number on {describe(named[0])}")
        target = self.declare(control)
        self.step(
            f"Check that {describe(control)} shows {lit(text)} on its counter",
            check(target, "to_be_visible", suffix=f".get_by_text({lit(text)}, exact=True)"),
        )

    def _amounts(self, amounts: Sequence[claims.Amount]) -> None:
        """Each amount read off the text recon saw it labelled by ("Tax: $2.40"), then checked against the
        ones before it: a percentage of the one just before (to the cent), or their sum."""
        names: list[str] = []
        statements: list[Statement] = []
        for index, amount in enumerate(amounts):
            labelled = re.compile(rf"{re.escape(amount.label)}\b\W*?(?P<unit>[$€£¥])\s?\d", re.IGNORECASE)
            shown = [found for t in self.facts.page.visible_texts if (found := labelled.match(t))]
            if len(shown) != 1:
                raise Unplannable(f'recon saw no one amount labelled "{amount.label}" on the page')
            unit = lit(shown[0]["unit"])
            name = unique_var(snake(amount.label) or "amount", names, "")
            names.append(name)
            words_pattern = r"\s+".join(re.escape(w) for w in amount.label.split())
            selector = lit(f"text=/^{words_pattern}\\b/i")
            statements += [
                code(f"expect(page.locator({selector})).to_be_visible()"),
                code(
                    f"{name} = float(page.locator({selector}).inner_text().split({unit}, 1)[1].split()[0]"
                    '.replace(",", ""))'
                ),
            ]
            if amount.percent is not None:
                if index == 0:
                    raise Unplannable(f'"{amount.label}" is a percentage of no amount named before it')
                base, share = names[index - 1], amount.percent / 100
                statements.append(
                    code(
                        f"assert abs({name} - round({base} * {share:g}, 2)) <= 0.01, ",
                        lit(f"{amount.label} is not {amount.percent:g}% of {amounts[index - 1].label}: ")
                        + f" + str(({name}, {base}))",
                    )
                )
            elif amount.sums:
                if index < 2:
                    raise Unplannable(f'"{amount.label}" sums the amounts before it, and fewer than two are')
                earlier = " + ".join(names[:index])
                statements.append(
                    code(
                        f"assert abs({name} - ({earlier})) <= 0.01, ",
                        lit(f"{amount.label} is not the sum: ") + f" + str(({name}, {earlier}))",
                    )
                )
        labels = ", ".join(a.label for a in amounts)
        self.step(f"Check the amounts shown: {labels}", *statements)

    def _counter_seen(self, control: Control) -> bool:
        """Whether an action recon took here replaced this control by one whose name adds a number."""
        names = {n.strip().lower() for n in names_of(control) if n.strip()}
        return any(
            any(e.name.strip().lower() in names for e in i.disappeared_elements)
            and any(_counted_name(e.name, names) for e in i.appeared_elements)
            for i in self.facts.page.interactions
        )

    def _make_appear(self, text: str, role: str) -> None:
        """Sign in so that a message the requirement only places shows: wrongly for the error recon saw a
        made-up sign-in raise, rightly for a greeting naming the user other requirements sign in as."""
        form = self.facts.login_form()
        seen = " ".join((self.facts.error_text_seen() or "").split()).lower()
        wanted = " ".join(text.split()).lower()
        if form is not None and role == "alert" and seen and wanted in seen:
            self.act(claims.Login(wrong=True))
        elif form is not None and role == "status" and self.known.user and self.known.user.lower() in wanted:
            self.act(claims.Login(self.known.user, self.known.password))
        else:
            raise Unplannable(f'it says where "{text}" shows, but nothing it asks to do makes it appear')
        self.made_to_appear = True

    def _seen_at_load(self, text: str) -> bool:
        """Whether recon saw this text on the page as it loaded (its visible texts, its ARIA snapshot)."""
        page = self.facts.page
        shown = " ".join([*page.visible_texts, page.title, page.aria_snapshot]).lower()
        return " ".join(text.split()).lower() in " ".join(shown.split())

    def _as_loaded(self, claim: str, holds: bool) -> None:
        """A claim about the page as it loads must be what recon saw there, or it cannot be tested."""
        if not self.acted and not holds:
            raise Unplannable(
                f"{claim} on the page as recon saw it load, and the requirement does nothing first"
            )

    def _shows_text(self, text: str, subject: claims.Subject | None, where: str = "") -> None:
        self._as_loaded(f'"{text}" is not shown', self._seen_at_load(text))
        if where:
            self._placed_text(text, where)
            return
        if item := self._item_named(subject):
            items_var, _ = self.items()
            self.step(
                f"Check that the {lit(item)} item shows {lit(text)}",
                check(items_var, "to_contain_text", lit(text), suffix=f".filter(has_text={lit(item)})"),
            )
            return
        try:
            target = self.subject(subject)
        except Unplannable:
            target = None  # the text itself is still there to be seen, wherever it shows
        if target is None or self.scenario.element(target).inline:
            self.step(f"Check that {lit(text)} is shown", check(self.text(text), "to_be_visible"))
            return
        matcher = "to_have_text" if re.search(r"\d", text) else "to_contain_text"
        description = self.scenario.element(target).description
        self.step(f"Check that {description} shows {lit(text)}", check(target, matcher, lit(text)))

    def _placed_text(self, text: str, where: str) -> None:
        """The text where the requirement places it, when recon saw it there: inside the one region of that
        kind, or after (before) the named control in DOM order; else the text alone, the place noted."""
        relation, _, place = re.sub(r"\s+(?:the|its)\s+", " ", f" {where} ").strip().partition(" ")
        if relation == "next":
            relation, _, place = place.partition(" ")  # "next to the field": either side, so not an order
        region = self.facts.region_showing(text)
        if relation in ("in", "inside", "within") and region and _REGION_WORDS[region].search(place):
            self.step(
                f"Check that the {region} says {lit(text)}",
                check(self.role(region), "to_contain_text", lit(text)),
            )
            return
        control = self.facts.find(place) if relation in _ORDER_AXES else None
        shown_at = self.facts.snapshot_line(text)
        control_at = self.facts.snapshot_line(names_of(control)[0]) if control else None
        if control is not None and shown_at is not None and control_at is not None:
            axis = _ORDER_AXES[relation]
            if (shown_at > control_at) == (axis == "following"):
                self.step(
                    f"Check that {lit(text)} shows {relation} {describe(control)}",
                    check(
                        self.declare(control),
                        "not_to_have_count",
                        "0",
                        suffix=f'.locator("xpath={axis}::*").get_by_text({lit(text)})',
                    ),
                )
                return
        unchecked = f"not checked: that it shows {where}, which recon did not see"
        self.step(f"Check that {lit(text)} is shown ({unchecked})", check(self.text(text), "to_be_visible"))

    def _item_named(self, subject: claims.Subject | None) -> str:
        """ "the Desk Lamp row": the name of the listed item recon saw that the words call so, or ""."""
        named = re.fullmatch(
            r"(?P<name>.+?)\s+(?:rows?|items?|entry|entries|cards?|products?|results?)",
            subject.words if subject and not subject.kind else "",
            re.IGNORECASE,
        )
        collection = self.facts.collection() if named else None
        if named is None or collection is None:
            return ""
        name = named["name"]
        return name if any(name.lower() in t.lower() for t in collection.item_texts) else ""

    def _shows_error(self) -> None:
        seen = self.facts.error_text_seen()
        if self.facts.has_role("alert"):
            alert = self.role("alert")
            if seen:
                self.step(
                    f"Check that the alert says {lit(seen)}", check(alert, "to_contain_text", lit(seen))
                )
            else:
                self.step("Check that an error is announced", check(alert, "not_to_be_empty"))
        elif seen:
            self.step(f"Check that {lit(seen)} is shown", check(self.text(seen), "to_be_visible"))
        else:
            raise Unplannable("the page has no alert region and recon saw no error text to expect")

    def _items_are(self, names: Sequence[str], *, only: bool, ordered: bool, again: bool = False) -> None:
        """Each named item is listed; with `only`, no other; with `ordered`, in the order named."""
        items_var, collection = self.items()
        if not names:
            raise Unplannable("it does not say which items are meant")
        present = [t.lower() for t in collection.item_texts] + [t.lower() for t in self.added]
        for name in names:
            if not any(name.lower() in t for t in present):
                raise Unplannable(f'"{name}" is neither an item recon saw listed nor one the test added')
        statements = (
            []
            if again
            else [
                check(items_var, "not_to_have_count", "0", suffix=f".filter(has_text={lit(n)})")
                for n in names
            ]
        )
        if ordered:
            statements.append(
                check(items_var, "to_contain_text", "[" + ", ".join(lit(n) for n in names) + "]")
            )
        if only:
            statements.append(check(items_var, "to_have_count", str(len(names))))
        named = ", ".join(lit(n) for n in names)
        title = f"Check that {'only ' if only else ''}{named} {'are' if len(names) > 1 else 'is'} listed"
        if statements:
            self.step(title + (" in this order" if ordered else ""), *statements)
        self.named_items, self.named_only = tuple(names), only

    def _every_item_has(self, kind: str, name: str) -> None:
        """Each item holds the control: as many items hold it as there are items, as recon counted them."""
        items_var, collection = self.items()
        role = {"link": "link", "button": "button", "checkbox": "checkbox"}[kind]
        each = [
            c for c in self.facts.controls() if _owner(c) and name.lower() in (n.lower() for n in names_of(c))
        ]
        if self.acted or not collection.item_texts or len(each) != len(collection.item_texts):
            raise Unplannable(f'recon did not see a "{name}" {kind} in each of the items as the page loaded')
        count = str(len(collection.item_texts))
        holding = f".filter(has=page.get_by_role({lit(role)}, name={lit(name)}))"
        self.step(
            f"Check that every item has a {lit(name)} {kind}",
            check(items_var, "to_have_count", count),
            check(items_var, "to_have_count", count, suffix=holding),
        )

    def _every_item_shows(self, attributes: Sequence[str], beside: str) -> None:
        """Each item holds each attribute, as recon saw every listed item show it."""
        items_var, collection = self.items()
        # recon keeps no layout, so where the attributes show is said in the title, not checked
        unchecked = f" (not checked: that they show {beside})" if beside else ""
        statements = [check(items_var, "not_to_have_count", "0")]
        for attribute in attributes:
            seen = self.facts.item_attribute(attribute, collection.item_texts)
            if seen is None:
                raise Unplannable(f"recon saw nothing in each listed item that is its {attribute}")
            if seen.unit:
                lacking = f".filter(has_not_text={lit(seen.unit)})"
            else:
                either = ".or_(".join(f"page.get_by_text({lit(v)})" for v in seen.values)
                lacking = f".filter(has_not={either}{')' * (len(seen.values) - 1)})"
            statements.append(check(items_var, "to_have_count", "0", suffix=lacking))
        shown = " and ".join(attributes)
        self.step(f"Check that every item shows its {shown}{unchecked}", *statements)

    def _hides_items(self, groups: Sequence[str]) -> None:
        """No item holds the word naming a group ("the kitchen items": kitchen), a word some item holds."""
        items_var, collection = self.items()
        generic = {"item", "product", "entry", "thing", "row", "result"}
        statements = []
        for group in groups:
            kept = [singular(w) for w in re.findall(r"[\w-]+", group.lower()) if singular(w) not in generic]
            word = " ".join(kept)
            if not word or not any(word in t.lower() for t in collection.item_texts):
                raise Unplannable(f'no item recon saw listed is one of "{group}"')
            statements.append(check(items_var, "to_have_count", "0", suffix=f".filter(has_text={lit(word)})"))
        self.step(f"Check that no {', '.join(groups)} are listed", *statements)

    def _has_controls(self, kind: str, names: Sequence[str]) -> None:
        kinds = _KIND_TYPES.get(kind, ())
        for name in names:
            control = self.facts.find("", kinds=kinds, exact_text=name)
            if control is None:
                raise Unplannable(f'recon found no {kind} named "{name}"')
            self.step(
                f"Check that the {kind} {lit(name)} is shown", check(self.declare(control), "to_be_visible")
            )

    def _offers(self, options: Sequence[str], selected: str, subject: claims.Subject | None) -> None:
        target = self.subject(subject) if subject else None
        select = next(
            (s for s in self.facts.page.selects if self.vars_by_key.get(s.key) == target),
            self.facts.select_with(options[0]) if options else None,
        )
        if not isinstance(select, Select):
            raise Unplannable("no select on the page offers these options")
        labels = {o.label.lower(): o for o in select.options}
        missing = [o for o in options if o.lower() not in labels]
        if missing or (selected and selected.lower() not in labels):
            raise Unplannable(f"{describe(select)} does not offer {', '.join(missing or [selected])}")
        select_var = self.declare(select)
        listed = "[" + ", ".join(lit(labels[o.lower()].label) for o in options) + "]"
        statements = [check(select_var, "to_have_text", listed, suffix='.locator("option")')]
        if selected:
            statements.append(check(select_var, "to_have_value", lit(labels[selected.lower()].value)))
        self.step(f"Check the options {describe(select)} offers", *statements)

    def _only(self, noun: str, word: str) -> None:
        items_var, _ = self.items(noun)
        if not word and self.chosen:
            select, word = self.chosen
            if word not in self.facts.page.visible_texts:
                raise Unplannable(
                    f"the items do not show their {describe(select)}, so the filter cannot be seen"
                )
        word = word or self.searched
        if not word:
            raise Unplannable(f"the requirement does not say what the {noun} shown must match")
        self.step(
            f"Check that at least one of the {noun} matches {lit(word)}",
            check(items_var, "not_to_have_count", "0", suffix=f".filter(has_text={lit(word)})"),
        )
        self.step(
            f"Check that every {singular(noun)} shown matches {lit(word)}",
            check(items_var, "to_have_count", "0", suffix=f".filter(has_not_text={lit(word)})"),
        )

    def _not_added(self) -> None:
        if self.refused == "disabled":
            field_var, button = self._entry()
            if button is None:
                raise Unplannable("the form has no button that could be disabled")
            self.step(
                f"Check that {describe(button)} cannot be used while the field is empty",
                check(self.declare(button), "to_be_disabled"),
            )
        elif self.refused == "sent":
            items_var, _ = self.items()
            self.step("Check that no entry was added", check(items_var, "to_have_count", "items_before"))
        else:
            raise Unplannable("the requirement does not say what is added")

    def _gate(self, state: str, condition: str, subject: claims.Subject | None) -> None:
        target = self.subject(subject or claims.Subject(words="", kind="button"))
        if target is None:
            raise Unplannable(f"the requirement does not say what stays {state}")
        fields = self._gate_fields(condition, target)
        for field_ in fields:
            self.declare(field_)  # declared in the form's order, whatever order they are filled in
        values = {f.key: self._value_for(f) for f in fields}
        hold, flip = _STATE_MATCHERS[state], _STATE_MATCHERS["enabled" if state == "disabled" else "disabled"]
        name = self.scenario.element(target).description
        self.step(f"Check that {name} is {state} while the fields are empty", check(target, hold))
        filled: set[str] = set()
        for left_empty in fields if len(fields) > 1 else []:
            wanted = [f for f in fields if f is not left_empty]
            statements = [do(self.declare(f), "clear") for f in fields if f.key in filled and f not in wanted]
            statements += [
                do(self.declare(f), "fill", lit(values[f.key])) for f in wanted if f.key not in filled
            ]
            filled = {f.key for f in wanted}
            self.step(
                f"Fill all but {describe(left_empty)}: {name} stays {state}", *statements, check(target, hold)
            )
        rest = [do(self.declare(f), "fill", lit(values[f.key])) for f in fields if f.key not in filled]
        together = (
            "both fields" if len(fields) == 2 else "every field" if len(fields) > 2 else describe(fields[0])
        )
        self.step(f"Fill {together}: {name} is no longer {state}", *rest, check(target, flip))

    def _gate_fields(self, condition: str, target: str) -> list[InputField]:
        control_key = next((k for k, v in self.vars_by_key.items() if v == target), "")
        control = self.facts.page.element(control_key)
        form_key = getattr(control, "form_key", None)
        fillable = [
            i
            for i in self.facts.page.inputs
            if i.type not in ("checkbox", "radio", "file", "hidden", "range")
            and not i.disabled
            and (form_key is None or i.form_key == form_key)
        ]
        if re.search(r"\b(?:both|all|every)\b", condition, re.IGNORECASE):
            if re.search(r"\brequired\b", condition, re.IGNORECASE):
                fillable = [i for i in fillable if i.required]
            if re.search(r"\bboth\b", condition, re.IGNORECASE) and len(fillable) != 2:
                raise Unplannable(f"'both' fields, but the form has {len(fillable)}")
            if not fillable:
                raise Unplannable("the form has no fields to fill")
            return fillable
        named = re.sub(
            r"\b(?:is|are|has|have|been|filled(?:\s+in)?|set|entered|given|a|value)\b", " ", condition
        )
        fields = [
            self.facts.find(part, kinds=(InputField,))
            for part in re.split(r",|\band\b", named)
            if part.strip()
        ]
        found = [f for f in fields if isinstance(f, InputField)]
        if not found or len(found) != len(fields):
            raise Unplannable(f'the fields in "{condition}" are not all on the page')
        return list({f.key: f for f in found}.values())

    def _value_for(self, field_: InputField) -> str:
        form = self.facts.login_form()
        if form is not None and field_.key == form.username.key and self.known.user:
            return self.known.user
        if form is not None and field_.key == form.password.key and self.known.password:
            return self.known.password
        return plausible_value(field_) or "Test value"

    def _link_subject(self, subject: claims.Subject | None) -> Link:
        if subject is None:
            if self.clicked_link is None:
                raise Unplannable("the requirement does not say which link opens the page")
            return self.clicked_link
        control = (
            self.facts.find("", kinds=(Link,), exact_text=subject.quoted)
            if subject.quoted
            else self.facts.find(subject.words, kinds=(Link,))
        )
        said = {singular(w) for w in re.findall(r"[a-z0-9]+", subject.words.lower())}
        owned = [
            link
            for link in self.facts.page.links
            if _owner(link) and {singular(w) for w in re.findall(r"[a-z0-9]+", _owner(link).lower())} <= said
        ]
        if owned and not (isinstance(control, Link) and _owner(control) in [_owner(o) for o in owned]):
            control = owned[0]  # "Desk Lamp's link": the link in the item named so
        if not isinstance(control, Link):
            raise Unplannable(f'no link on the page matches "{subject.quoted or subject.words}"')
        return control

    def _follow_named(self, link: Link) -> None:
        """Follow this link from the page recon read, going back there if the test followed another one."""
        if self.clicked_link is not None and self.clicked_link is not link:
            self.open_page()
            self.clicked_link = None
        self._follow(link)

    def _follow(self, link: Link) -> str:
        """Click the link unless the test already did; its path on this site."""
        path = self.facts.relative(link.href)
        if path is None:
            raise Unplannable(f"{describe(link)} leads to another site")
        if self.clicked_link is not link:
            self.acted = True
            owner = _owner(link)
            title = f"Open {describe(link)} of {lit(owner)}" if owner else f"Open {describe(link)}"
            self.step(title, do(self.declare(link), "click"))
            self.clicked_link = link
        return path

    def _opens_own_page(self, subject: claims.Subject | None) -> None:
        link = self._link_subject(subject)
        path = self._follow(link)
        owner = _owner(link) or link.text
        statements = [code(f"expect(page).to_have_url({url_expr(path)})")]
        if title := self.facts.site_title(link.href):
            statements.append(code(f"expect(page).to_have_title({lit(title)})"))
        self.step(f"Check that the page of {lit(owner)} opens", *statements)

    def _goes_to(self, destination: str, subject: claims.Subject | None) -> None:
        # "choosing Logout in the menu returns to …": a select or field is not what is followed
        followed = subject is not None and subject.kind in ("", "link")
        if followed or self.clicked_link is not None:
            self._follow(self._link_subject(subject))
        path = destination if destination.startswith("/") else self._page_path(destination)
        if "{" in path:
            path = self._filled_in(path)
        self.step(f"Check that {path} opens", code(f"expect(page).to_have_url({url_expr(path)})"))

    def _sign_in_path(self, destination: str) -> str:
        """The address of the sign-in page: the page recon opened, when the way here signed in on it. A test
        that never left it could not tell a return there from staying put."""
        if self.reach is not None and _signed_in_on_the_way(self.reach, self.known):
            return self.reach.path
        if self.facts.login_form() is not None:
            raise Unplannable(
                f"the test would start on {destination} already, so no return to it could be seen"
            )
        raise Unplannable(f"recon signed in on no page that could be {destination}")

    def _filled_in(self, pattern: str) -> str:
        """A path with placeholders ("/products/{id}") as the followed link's own address, if it fits."""
        href = self.facts.relative(self.clicked_link.href) if self.clicked_link else None
        shape = "".join(
            "[^/?#]+" if part.startswith("{") else re.escape(part)
            for part in re.split(r"(\{[^}]*\})", pattern)
        )
        if href is None or not re.fullmatch(shape, href):
            raise Unplannable(f'no link the test follows leads to an address shaped like "{pattern}"')
        return href

    def _page_path(self, destination: str) -> str:
        wanted = {w for w in re.findall(r"\w+", destination.lower()) if w not in ("the", "page")}
        if _SIGN_IN_PAGE.fullmatch(destination.strip()):
            return self._sign_in_path(destination)
        for entry in self.facts.page.site_map:
            path = self.facts.relative(entry.url)
            if path and wanted and wanted <= set(re.findall(r"\w+", f"{entry.title} {path}".lower())):
                return path
        raise Unplannable(f"recon visited no page that is {destination}")


def _signs_in(reading: claims.Reading, known: Known) -> bool:
    """Whether the requirement signs in with the credentials recon signed in with."""
    return any(
        isinstance(beat, claims.Login) and not beat.wrong and beat.user in ("", known.user)
        for beat in reading.beats
    )


def _signed_in_on_the_way(reach: Reach | None, known: Known) -> bool:
    """Whether recon's way to the state typed the password the requirements sign in with."""
    steps = reach.state.steps if reach else []
    return bool(known.password) and any(s.action == "fill" and s.value == known.password for s in steps)


def _counted_name(name: str, names: set[str]) -> bool:
    """Whether a control's name is one of `names` with a number after it ("Cart 1" of "Cart")."""
    return any(re.fullmatch(rf"{re.escape(n)}\s*\d+", name.strip().lower()) for n in names)


def _verb_names(stem: str) -> set[str]:
    """The names a control called by a verb's -ing stem has: "continu" is "Continue", "sort" "Sort",
    "shopp" "Shop"."""
    stem = stem.lower()
    names = {stem, f"{stem}e"}
    if len(stem) > 2 and stem[-1] == stem[-2]:
        names.add(stem[:-1])
    return names


def _names_page(subject: claims.Subject) -> bool:
    """Whether the words name the page itself ("the Sign in page", "the screen")."""
    words = subject.words.lower()
    return not subject.quoted and (words in _PAGE_WORDS or bool(re.search(r"\b(?:page|screen)$", words)))


def made_up_entries(count: int, avoid: Sequence[str] = ()) -> list[str]:
    """`count` distinct, realistic entries none of which is in `avoid`."""
    fresh = [e for e in SAMPLE_ENTRIES if e not in avoid]
    return [
        fresh[i % len(fresh)] + (f" {i // len(fresh) + 1}" if i >= len(fresh) else "") for i in range(count)
    ]


def _short(item_text: str) -> str:
    """A distinctive part of an item's text (its first words), to find the item by."""
    return " ".join(item_text.split()[:3])


def _owner(link: Control) -> str:
    """The text of the list item or row holding a control that appears once per item ("Desk Lamp")."""
    best = link.best_locator
    return (best.container_text or "") if best else ""


def _loosening(candidate: LocatorCandidate) -> list[LocatorCandidate]:
    """A candidate, then looser forms of it, for repair to walk: exact name, any name, its text."""
    if candidate.strategy == "role" and not candidate.name:
        return [candidate]  # no name to loosen, and a text locator would look for the word "button"
    exact = candidate.model_copy(update={"exact": True, "container_role": None, "container_text": None})
    loose = exact.model_copy(update={"exact": False})
    by_text = LocatorCandidate(strategy="text", value=candidate.name or candidate.value, exact=True)
    return [exact, loose, by_text] if candidate.strategy == "role" else [exact, loose]


def plan_requirement(
    requirement: Requirement,
    facts: PageFacts,
    known: Known,
    *,
    module: str,
    reach: Reach | None = None,
    reading: claims.Reading | None = None,
) -> Scenario | Uncovered:
    """The scenario testing this requirement on this page, or why there can be none.

    With `reach`, `facts` are of a state recon reached, and the test takes recon's steps there first.
    `reading` is the requirement as read elsewhere (an LLM's structured answer); None reads its text.
    """
    reading = reading or p.read(requirement.text)
    if reading.unread:
        return Uncovered(f"not testable: {reading.unread}")
    text = requirement.text.strip()
    scenario = Scenario(
        name=function_name(text),
        module=module,
        title=text,
        feature=facts.feature,
        story=text,
        severity="critical",
        category="requirement",
        docstring=f"{requirement.requirement_id}: {text}",
        requirement_ids=[requirement.requirement_id],
    )
    builder = _Builder(facts, known, scenario, reach=reach, signs_in_itself=_signs_in(reading, known))
    try:
        builder.open_page()
        for beat in reading.beats:
            if isinstance(beat, claims.Expect):
                builder.expect(beat.outcome, beat.subject)
            else:
                builder.act(beat)
    except Unplannable as reason:
        return Uncovered(f"not testable on this page: {reason}")
    if not any(
        str(s[0]).startswith(("expect(", "assert ")) for step in scenario.steps for s in step.statements
    ):
        return Uncovered("not testable: nothing the requirement says could be checked")  # never an empty test
    return scenario
