"""The UI reader on sentences that place a message, and on items said to show one of their own attributes.

The sentences and pages are made up for these tests: a catalogue of pens with a colour filter, and a
sign-in page with an alert and a status region, as recon would describe them.
"""

from __future__ import annotations

from generators.base import GeneratedSuite
from generators.ui import phrases as p
from generators.ui.offline import OfflineUiGenerator
from vocabulary import claims
from vocabulary.artefacts import number_requirements
from vocabulary.page_model import (
    Button,
    CountChange,
    Form,
    InputField,
    Interaction,
    LocatorCandidate,
    PageModel,
    Select,
    SelectOption,
)


def _candidate(role: str, name: str) -> LocatorCandidate:
    return LocatorCandidate(strategy="role", role=role, name=name, value=role, matches=1)


def _pens() -> PageModel:
    """Three pens, each row holding its colour (one of the filter's options) and a price in euros."""
    return PageModel(
        url="http://127.0.0.1:9/pens",
        final_url="http://127.0.0.1:9/pens",
        status=200,
        title="Pens",
        selects=[
            Select(
                key="select-0",
                label="Colour",
                name="colour",
                options=[
                    SelectOption(value="", label="Any"),
                    SelectOption(value="red", label="Red"),
                    SelectOption(value="blue", label="Blue"),
                ],
                locators=[_candidate("combobox", "Colour")],
            )
        ],
        aria_snapshot=(
            '- list "Pens":\n  - listitem: Fineliner Red €2.10\n  - listitem: Marker Blue €3.40\n'
            "  - listitem: Gel pen Red €1.95"
        ),
    )


def _sign_in() -> PageModel:
    """A sign-in form under a banner, with a note after its Pass field, whose made-up submission recon saw
    raise "Bad login" in the alert region."""
    page = "http://127.0.0.1:9/enter"
    return PageModel(
        url=page,
        final_url=page,
        status=200,
        title="Enter",
        inputs=[
            InputField(
                key="input-0",
                tag="input",
                type="text",
                name="user",
                label="User",
                form_key="form-0",
                locators=[_candidate("textbox", "User")],
            ),
            InputField(
                key="input-1",
                tag="input",
                type="password",
                name="pass",
                label="Pass",
                form_key="form-0",
                locators=[LocatorCandidate(strategy="label", value="Pass", matches=1)],
            ),
        ],
        buttons=[
            Button(
                key="button-0",
                text="Enter",
                type="submit",
                form_key="form-0",
                locators=[_candidate("button", "Enter")],
            )
        ],
        forms=[Form(key="form-0", selector="form", input_keys=["input-0", "input-1"], submit_key="button-0")],
        aria_snapshot=(
            '- banner:\n  - text: Members only\n- form:\n  - textbox "User"\n  - textbox "Pass"\n'
            '  - text: Caps lock is off\n  - button "Enter"\n- alert\n- status'
        ),
        interactions=[
            Interaction(
                action="submit",
                target="form",
                url_before=page,
                url_after=page,
                appeared_texts=["Bad login"],
                count_changes=[CountChange(what="[role=alert]", before=0, after=1)],
            )
        ],
    )


def _suite(page: PageModel, texts: list[str]) -> GeneratedSuite:
    return OfflineUiGenerator().generate(page, number_requirements(texts))


def _code(suite: GeneratedSuite, requirement_id: str) -> str:
    [test] = [t for t in suite.tests if t.requirement_ids == [requirement_id]]
    return test.code


def test_items_said_to_show_their_attributes_read_as_one_check_with_where_they_show() -> None:
    reading = p.read("Each pen row displays its colour and its price beside the name")
    assert reading.outcomes == (claims.EveryItemShows(("colour", "price"), beside="beside the name"),)
    assert p.read("Every card lists their maker")


def test_an_attribute_is_grounded_in_a_filter_s_options_or_in_a_currency_every_item_holds() -> None:
    suite = _suite(_pens(), ["Each pen row displays its colour and its price beside the name"])
    [coverage] = suite.coverage
    assert coverage.covered, coverage.reason
    code = _code(suite, "R1")
    either = 'page.get_by_text("Red").or_(page.get_by_text("Blue"))'
    assert f"expect(pens.filter(has_not={either})).to_have_count(0)" in code
    assert 'expect(pens.filter(has_not_text="€")).to_have_count(0)' in code
    assert "not checked: that they show beside the name" in code


def test_an_attribute_recon_saw_nothing_of_is_uncovered_and_named() -> None:
    [coverage] = _suite(_pens(), ["Every pen row shows its weight"]).coverage
    assert not coverage.covered
    assert "recon saw nothing in each listed item that is its weight" in coverage.reason


def test_a_bare_second_text_is_about_the_item_the_first_was_about() -> None:
    reading = p.read('The Marker row, for example, reads "Blue" and "€3.40"')
    subject = claims.Subject(words="Marker row")
    assert list(reading.beats) == [
        claims.Expect(claims.ShowsText("Blue"), subject),
        claims.Expect(claims.ShowsText("€3.40"), subject),
    ]
    code = _code(_suite(_pens(), ['The Marker row, for example, reads "Blue" and "€3.40"']), "R1")
    assert 'expect(pens.filter(has_text="Marker")).to_contain_text("€3.40")' in code


def test_a_placed_message_with_no_action_is_made_to_appear_by_the_sign_in_that_shows_it() -> None:
    texts = [
        'Signing in as kim with the password "k1m" shows "Hello, kim"',
        'Messages: the "Bad login" error is in an alert region; the "Hello, kim" note is in a status region',
    ]
    suite = _suite(_sign_in(), texts)
    placed = suite.coverage[1]
    assert placed.covered, placed.reason
    code = _code(suite, "R2")
    wrong, alert = code.index("wrong password"), code.index('to_contain_text("Bad login")')
    right, status = code.index('fill("k1m")'), code.index('to_contain_text("Hello, kim")')
    assert wrong < alert < right < status


def test_a_placed_message_nothing_is_known_to_make_appear_stays_uncovered() -> None:
    [coverage] = _suite(_sign_in(), ['The "Saved" note is in a status region']).coverage
    assert not coverage.covered and 'it says where "Saved" shows' in coverage.reason


def test_a_place_given_to_a_shown_text_is_read_with_it() -> None:
    [_, shown] = p.read('After a wrong password, "Bad login" appears underneath the Pass field').beats
    assert shown == claims.Expect(claims.ShowsText("Bad login", where="underneath the Pass field"))
    [shown] = p.read('The page displays "Members only" in the header, and nothing else').beats[:1]
    assert shown.outcome == claims.ShowsText("Members only", where="in the header")


def test_a_place_recon_saw_the_text_in_is_checked() -> None:
    texts = [
        'The page displays "Members only" in the header',
        'The page shows "Caps lock is off" below the Pass field',
    ]
    suite = _suite(_sign_in(), texts)
    assert 'expect(banner).to_contain_text("Members only")' in _code(suite, "R1")
    after = 'pass_field.locator("xpath=following::*").get_by_text("Caps lock is off")'
    assert f"expect({after}).not_to_have_count(0)" in _code(suite, "R2")


def test_a_place_recon_did_not_see_is_left_unchecked_and_the_text_still_checked() -> None:
    texts = [
        'The page shows "Caps lock is off" above the Pass field',
        'Signing in with a wrong password shows "Bad login" next to the Pass field',
        'The page displays "Members only" in the footer',
    ]
    suite = _suite(_sign_in(), texts)
    for number, where in (
        ("R1", "above the Pass field"),
        ("R2", "next to the Pass field"),
        ("R3", "in the footer"),
    ):
        code = _code(suite, number)
        assert f"not checked: that it shows {where}, which recon did not see" in code
        assert "get_by_text(" in code and "xpath=" not in code and "banner" not in code
