"""Pressing a control with a named field left empty: on a page that takes no entries, not an empty add.

"Pressing Join with an empty Nickname" on a sign-up form means: Nickname empty, press Join, then check.
The same words on a list that takes entries stay an empty add, as before.
"""

from __future__ import annotations

import pytest

from generators.ui import phrases as p
from generators.ui.offline import OfflineUiGenerator
from vocabulary import claims as c
from vocabulary.artefacts import number_requirements
from vocabulary.page_model import Button, Form, InputField, LocatorCandidate, PageModel


@pytest.mark.parametrize(
    ("requirement", "field", "pressed"),
    [
        ('Pressing Join with an empty Nickname shows "Pick a nickname"', "Nickname", c.Click("Join")),
        (
            'Hitting "Join" with the "Nickname" box left blank shows "Pick a nickname"',
            "Nickname",
            c.Click("Join"),
        ),
        ('Submitting the form with the E-mail field blank shows "E-mail needed"', "E-mail", c.Submit()),
        ('Leaving the nickname empty and pressing Join shows "Pick a nickname"', "nickname", c.Click("Join")),
    ],
)
def test_the_field_named_empty_and_the_control_pressed_are_kept(
    requirement: str, field: str, pressed: c.Click | c.Submit
) -> None:
    [action] = p.read(requirement).actions
    assert action == c.Add(empty=True, left_empty=field, sent_by=pressed)


@pytest.mark.parametrize(
    "requirement",
    ["Pressing Add with the field empty adds nothing", "Clicking Add with an empty entry adds nothing"],
)
def test_no_field_named_is_a_plain_empty_add(requirement: str) -> None:
    assert p.read(requirement).actions == (c.Add(empty=True),)


def _textbox(key: str, label: str, kind: str = "text") -> InputField:
    role = LocatorCandidate(strategy="role", role="textbox", name=label, value="textbox", matches=1)
    return InputField(key=key, tag="input", type=kind, label=label, form_key="form-0", locators=[role])


def _sign_up() -> PageModel:
    """A sign-up form (two fields and a Join button), as recon would describe it: it lists nothing."""
    join = LocatorCandidate(strategy="role", role="button", name="Join", value="button", matches=1)
    return PageModel(
        url="http://127.0.0.1:9/join",
        final_url="http://127.0.0.1:9/join",
        status=200,
        title="Join",
        inputs=[_textbox("input-0", "Nickname"), _textbox("input-1", "E-mail", "email")],
        buttons=[Button(key="button-0", text="Join", type="submit", form_key="form-0", locators=[join])],
        forms=[Form(key="form-0", selector="form", input_keys=["input-0", "input-1"], submit_key="button-0")],
    )


def test_on_a_page_without_entries_the_named_field_is_emptied_and_the_control_pressed() -> None:
    texts = ['Pressing Join with an empty Nickname shows "Pick a nickname"']
    suite = OfflineUiGenerator().generate(_sign_up(), number_requirements(texts))
    [coverage] = suite.coverage
    assert coverage.covered, coverage.reason
    [test] = [t for t in suite.tests if t.requirement_ids == ["R1"]]
    emptied, pressed = test.code.index('nickname.fill("")'), test.code.index("join_button.click()")
    assert emptied < pressed < test.code.index('expect(page.get_by_text("Pick a nickname")).to_be_visible()')
