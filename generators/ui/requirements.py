"""Turns one plain-language requirement into a UI scenario for a page, or says why it cannot.

The reading (generators.ui.phrases) says what to do and what to see; PageFacts says which element is meant.
Requirement text wins: recon's observations only fill in what the text leaves open (which error text).
"""

from __future__ import annotations

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
    options_of,
    singular,
    snake,
    unique_var,
)
from generators.ui.scenario import Element, Scenario, Statement, Step, Use, check, code, do, py_str
from tools.page_recon import plausible_value
from vocabulary.artefacts import Requirement
from vocabulary.page_model import Button, InputField, Link, LocatorCandidate, Select

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


@dataclass(frozen=True)
class Uncovered:
    reason: str


@dataclass(frozen=True)
class Known:
    """What one requirement tells the others: the credentials that log in."""

    user: str = ""
    password: str = ""


def known_values(requirements: Sequence[Requirement]) -> Known:
    """The first valid credentials any requirement names ("as demo / secret")."""
    for requirement in requirements:
        for action in p.read(requirement.text).actions:
            if isinstance(action, p.Login) and not action.wrong and action.user:
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
        self.step(f"Open the {self.facts.feature} page", code(f"page.goto({url_expr(self.facts.path)})"))

    def act(self, action: p.Action) -> None:
        match action:
            case p.Login():
                self._login(action)
            case p.Search(query):
                self._search(query)
            case p.Add():
                self._add_entries(action)
            case p.Delete(text):
                self._delete(text)
            case p.Complete(text):
                self._complete(text)
            case p.Rename(new, text):
                self._rename(new, text)
            case p.Choose(option, hint):
                self._choose(option, hint)
            case p.Click(text, kind):
                control = self.facts.find("", kinds=_KIND_TYPES.get(kind, ()), exact_text=text)
                if control is None:
                    raise Unplannable(f'nothing on the page is labelled "{text}"')
                self.clicked_link = control if isinstance(control, Link) else None
                self.step(f"Click {describe(control)}", do(self.declare(control), "click"))
            case p.Fill(value, field_words):
                found = self.facts.find(field_words, kinds=(InputField,))
                if found is None:
                    raise Unplannable(f'no field on the page matches "{field_words}"')
                self.last_field = self.declare(found)
                self.step(
                    f"Type {lit(value)} into {describe(found)}", do(self.last_field, "fill", lit(value))
                )
            case p.Press(key):
                press = do(self.last_field, "press", lit(key)) if self.last_field else None
                self.step(f"Press {key}", press or code(f"page.keyboard.press({lit(key)})"))
            case p.SetChecked(label, checked):
                box = self.facts.find(label, kinds=(InputField,))
                if not isinstance(box, InputField) or box.type not in ("checkbox", "radio"):
                    raise Unplannable(f'no checkbox on the page matches "{label}"')
                verb = "check" if checked else "uncheck"
                self.step(f"{verb.capitalize()} {describe(box)}", do(self.declare(box), verb))
            case p.GoBack():
                self.step("Go back", code("page.go_back()"))
            case p.Submit():
                self._submit()
            case p.Open(path):
                if not path.startswith("/"):
                    raise Unplannable(f'"{path}" is not a path on this site')
                self.step(f"Open {path}", code(f"page.goto({url_expr(path)})"))

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

    def _login(self, action: p.Login) -> None:
        form = self.facts.login_form()
        if form is None:
            raise Unplannable("the page has no sign-in form (a password field next to a username field)")
        user, password = action.user, action.password
        title = f'Log in as "{user}"'
        if action.wrong:
            user = self.known.user or "unknown-user"
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

    def _add_entries(self, action: p.Add, *, check_added: bool = False) -> None:
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
        if text and any(text.lower() in t.lower() for t in present):
            target, kept = text, [t for t in present if text.lower() not in t.lower()][:1]
        elif text or not present:
            texts = [text] if text else made_up_entries(2, avoid=self.added)
            self._add_entries(p.Add(texts=tuple(texts), count=len(texts)), check_added=True)
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
            self._add_entries(p.Add(texts=(target,), count=1), check_added=True)
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
            raise Unplannable(f'no select on the page offers "{option}"')
        label = next(o.label for o in select.options if option.lower() in (o.label.lower(), o.value.lower()))
        self.chosen = (select, label)
        self.step(
            f"Choose {lit(label)} in {describe(select)}",
            do(self.declare(select), "select_option", f"label={lit(label)}"),
        )

    # --- outcomes -----------------------------------------------------------------------------------------

    def subject(self, subject: p.Subject | None) -> str | None:
        """The variable for what the requirement talks about; None when it is the page itself."""
        if subject is None or (subject.words.lower() in _PAGE_WORDS and not subject.quoted):
            return None
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

    def expect(self, outcome: p.Outcome, subject: p.Subject | None) -> None:
        match outcome:
            case p.ShowsText(text):
                self._shows_text(text, subject)
            case p.ShowsError():
                self._shows_error()
            case p.ShowsEntry():
                if not self.added:
                    raise Unplannable("nothing was added that could be looked for")
                items_var, _ = self.items()
                for text in self.added:
                    shown = check(items_var, "to_be_visible", suffix=f".filter(has_text={lit(text)})")
                    self.step(f"Check that {lit(text)} is in the list", shown)
            case p.Only(noun, word):
                self._only(noun, word)
            case p.Removed():
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
            case p.NotAdded():
                self._not_added()
            case p.Gate(state, condition):
                self._gate(state, condition, subject)
            case p.MasksInput():
                target = self.subject(subject) if subject else None
                form = self.facts.login_form()
                if target is None and form is not None:
                    target = self.declare(form.password)
                if target is None:
                    raise Unplannable("no field to check for masking")
                self.step(
                    f"Check that {self.scenario.element(target).description} masks what is typed",
                    check(target, "to_have_attribute", '"type"', '"password"'),
                )
            case p.State(state):
                target = self.subject(subject)
                if target is None:
                    raise Unplannable(f"the requirement does not say what should be {state}")
                description = self.scenario.element(target).description
                self.step(f"Check that {description} is {state}", check(target, _STATE_MATCHERS[state]))
            case p.OpensOwnPage():
                self._opens_own_page(subject)
            case p.GoesTo(destination):
                self._goes_to(destination, subject)
            case p.UrlChanges():
                if subject is not None:
                    self._follow(self._link_subject(subject))
                elif len(self.scenario.steps) < 2:
                    raise Unplannable("the requirement does not say what makes the page change")
                away = code(f"expect(page).not_to_have_url({url_expr(self.facts.path)})")
                self.step("Check that another page opened", away)
            case p.CountIs(count, noun):
                items_var, _ = self.items(noun)
                self.step(
                    f"Check that {count} {noun} {'is' if count == 1 else 'are'} listed",
                    check(items_var, "to_have_count", str(count)),
                )

    def _shows_text(self, text: str, subject: p.Subject | None) -> None:
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

    def _gate(self, state: str, condition: str, subject: p.Subject | None) -> None:
        target = self.subject(subject)
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
        return list(dict.fromkeys(found))

    def _value_for(self, field_: InputField) -> str:
        form = self.facts.login_form()
        if form is not None and field_.key == form.username.key and self.known.user:
            return self.known.user
        if form is not None and field_.key == form.password.key and self.known.password:
            return self.known.password
        return plausible_value(field_) or "Test value"

    def _link_subject(self, subject: p.Subject | None) -> Link:
        if subject is None:
            if self.clicked_link is None:
                raise Unplannable("the requirement does not say which link opens the page")
            return self.clicked_link
        control = (
            self.facts.find("", kinds=(Link,), exact_text=subject.quoted)
            if subject.quoted
            else self.facts.find(subject.words, kinds=(Link,))
        )
        if not isinstance(control, Link):
            raise Unplannable(f'no link on the page matches "{subject.quoted or subject.words}"')
        return control

    def _follow(self, link: Link) -> str:
        """Click the link unless the test already did; its path on this site."""
        path = self.facts.relative(link.href)
        if path is None:
            raise Unplannable(f"{describe(link)} leads to another site")
        if self.clicked_link is not link:
            owner = _owner(link)
            title = f"Open {describe(link)} of {lit(owner)}" if owner else f"Open {describe(link)}"
            self.step(title, do(self.declare(link), "click"))
        return path

    def _opens_own_page(self, subject: p.Subject | None) -> None:
        link = self._link_subject(subject)
        path = self._follow(link)
        owner = _owner(link) or link.text
        statements = [code(f"expect(page).to_have_url({url_expr(path)})")]
        if title := self.facts.site_title(link.href):
            statements.append(code(f"expect(page).to_have_title({lit(title)})"))
        self.step(f"Check that the page of {lit(owner)} opens", *statements)

    def _goes_to(self, destination: str, subject: p.Subject | None) -> None:
        if subject is not None or self.clicked_link is not None:
            self._follow(self._link_subject(subject))
        path = destination if destination.startswith("/") else self._page_path(destination)
        self.step(f"Check that {destination} opens", code(f"expect(page).to_have_url({url_expr(path)})"))

    def _page_path(self, destination: str) -> str:
        wanted = {w for w in re.findall(r"\w+", destination.lower()) if w not in ("the", "page")}
        for entry in self.facts.page.site_map:
            path = self.facts.relative(entry.url)
            if path and wanted and wanted <= set(re.findall(r"\w+", f"{entry.title} {path}".lower())):
                return path
        raise Unplannable(f"recon visited no page that is {destination}")


def made_up_entries(count: int, avoid: Sequence[str] = ()) -> list[str]:
    """`count` distinct, realistic entries none of which is in `avoid`."""
    fresh = [e for e in SAMPLE_ENTRIES if e not in avoid]
    return [
        fresh[i % len(fresh)] + (f" {i // len(fresh) + 1}" if i >= len(fresh) else "") for i in range(count)
    ]


def _short(item_text: str) -> str:
    """A distinctive part of an item's text (its first words), to find the item by."""
    return " ".join(item_text.split()[:3])


def _owner(link: Link) -> str:
    """The text of the list item or row holding a link that appears once per item ("Desk Lamp")."""
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
    requirement: Requirement, facts: PageFacts, known: Known, *, module: str
) -> Scenario | Uncovered:
    """The scenario testing this requirement on this page, or why there can be none."""
    reading = p.read(requirement.text)
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
    builder = _Builder(facts, known, scenario)
    try:
        builder.open_page()
        for action in reading.actions:
            builder.act(action)
        for outcome in reading.outcomes:
            builder.expect(outcome, reading.subject)
    except Unplannable as reason:
        return Uncovered(f"not testable on this page: {reason}")
    if not any(
        str(s[0]).startswith(("expect(", "assert ")) for step in scenario.steps for s in step.statements
    ):
        return Uncovered("not testable: nothing the requirement says could be checked")  # never an empty test
    return scenario
