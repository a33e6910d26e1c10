"""The UI reader on the sentences of multi-view flows: sorting, counters on badges, controls named by a verb,
returning to the sign-in page, and amounts that relate to each other; and how the planner grounds them.

The sentences are made up for these tests; the pages are described as recon would describe them.
"""

from __future__ import annotations

import pytest

from generators.ui.offline import OfflineUiGenerator
from tests.generators.reading_beats import beats
from vocabulary import claims as c
from vocabulary.artefacts import number_requirements
from vocabulary.page_model import (
    Button,
    Interaction,
    Link,
    LocatorCandidate,
    ObservedElement,
    PageModel,
    ReachedState,
    Select,
    SelectOption,
    Step,
)


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        (
            'Sorting by "Cheapest" puts the books from the cheapest to the most expensive price',
            [c.Choose("Cheapest", "sort"), c.SortedBy("price")],
        ),
        (
            'Sorting by "Title" lists the books by title in alphabetical order',
            [c.Choose("Title", "sort"), c.SortedBy("title")],
        ),
        (
            'Sorting the films by "Newest" orders them by year, descending',
            [c.Choose("Newest", "sort"), c.SortedBy("year", descending=True)],
        ),
        (
            'Clicking "Save for later" on a film shows 1 on the watchlist badge',
            [c.Click("Save for later"), c.OnCounter("1", "watchlist")],
        ),
        (
            'After adding "Tea" the basket counter reads 1',
            [c.Add(("Tea",)), c.OnCounter("1", "basket", "counter")],
        ),
        (
            'Proceeding with an empty Street shows "Street is required"',
            [
                c.Add(empty=True, left_empty="Street", sent_by=c.Click("Proceed", c.VERB_KIND)),
                c.ShowsText("Street is required"),
            ],
        ),
        (
            'Choosing "Sign out" in the menu returns to the sign-in page',
            [c.Choose("Sign out"), c.GoesTo("the sign-in page")],
        ),
        (
            "The invoice shows the net amount, a VAT of 20% and the total of both",
            [
                c.Amounts(
                    (c.Amount("net amount"), c.Amount("vat", percent=20.0), c.Amount("total", sums=True))
                )
            ],
        ),
    ],
)
def test_flow_sentences_read_as_their_beats(requirement: str, expected: list[object]) -> None:
    assert beats(requirement) == expected


def _role(role: str, name: str, **extra: object) -> LocatorCandidate:
    return LocatorCandidate(strategy="role", role=role, name=name, value=role, matches=1, **extra)


def _films(reached: list[ReachedState] | None = None) -> PageModel:
    """A film list with a sort select, a watchlist link with a badge, and a menu hiding "Sign out"."""
    menu = _role("button", "Menu")
    save = _role("button", "Save", container_role="listitem", container_text="Alien")
    return PageModel(
        url="http://127.0.0.1:9/films",
        final_url="http://127.0.0.1:9/films",
        title="Films",
        buttons=[
            Button(key="button-0", text="Menu", locators=[menu]),
            Button(key="button-1", text="Save", locators=[save]),
        ],
        links=[
            Link(
                key="link-0",
                text="Watchlist",
                href="http://127.0.0.1:9/watchlist",
                same_origin=True,
                locators=[_role("link", "Watchlist")],
            )
        ],
        selects=[
            Select(
                key="select-0",
                label="Sort",
                options=[SelectOption(value="az", label="Title"), SelectOption(value="new", label="Newest")],
                locators=[_role("combobox", "Sort")],
            )
        ],
        aria_snapshot=(
            '- list "Films":\n  - listitem: Alien $4.00\n  - listitem: Brazil $3.50\n  - listitem: Heat $2.00'
        ),
        interactions=[
            Interaction(
                action="click",
                target='button "Save"',
                locator=save,
                url_before="u",
                url_after="u",
                disappeared_elements=[
                    ObservedElement(kind="control", role="link", name="Watchlist", tag="a")
                ],
                appeared_elements=[ObservedElement(kind="control", role="link", name="Watchlist1", tag="a")],
            ),
            Interaction(
                action="click",
                target='button "Menu"',
                locator=menu,
                url_before="u",
                url_after="u",
                appeared_elements=[
                    ObservedElement(
                        kind="control",
                        role="button",
                        name="Sign out",
                        tag="button",
                        locator=_role("button", "Sign out"),
                    )
                ],
            ),
        ],
        visible_texts=[
            "Alien",
            "$4.00",
            "Brazil",
            "$3.50",
            "Heat",
            "$2.00",
            "Subtotal: $9.50",
            "Fee: $0.95",
            "Total: $10.45",
        ],
        reached=reached or [],
    )


def _plan(page: PageModel, texts: list[str]) -> dict[str, str]:
    """Each requirement's test code, or the reason it is uncovered."""
    suite = OfflineUiGenerator().generate(page, number_requirements(texts))
    code = {t.requirement_ids[0]: t.code for t in suite.tests if t.requirement_ids}
    return {row.requirement_id: code.get(row.requirement_id, row.reason) for row in suite.coverage}


def test_sorting_checks_the_order_of_names_and_of_prices() -> None:
    plans = _plan(
        _films(),
        [
            'Sorting by "Title" lists the films by title in alphabetical order',
            'Sorting by "Newest" lists the films by price, from the highest to the lowest',
            'Sorting by "Newest" lists the films by director in alphabetical order',
        ],
    )
    assert 'sort.select_option(label="Title")' in plans["R1"] and "key=str.casefold)" in plans["R1"]
    assert 'text.split("$", 1)' in plans["R2"] and "reverse=True" in plans["R2"]
    assert 'it orders the items by "director", which recon cannot read off each item' in plans["R3"]


def test_a_badge_is_the_number_recon_saw_a_control_gain() -> None:
    plans = _plan(
        _films(), ['Clicking "Save" on a film shows 1 on the watchlist badge', "The menu badge shows 2"]
    )
    assert 'watchlist_link.get_by_text("1", exact=True)).to_be_visible()' in plans["R1"]
    assert plans["R2"].endswith('recon saw no action change a number on "Menu"')


def test_a_control_shown_by_one_click_is_clicked_after_it() -> None:
    code = _plan(_films(), ['Clicking "Sign out" shows "Bye"'])["R1"]
    assert code.index("menu_button.click()") < code.index("sign_out_button.click()")


def test_returning_to_the_sign_in_page_needs_a_way_that_signed_in() -> None:
    sign_in = [
        Step(action="fill", target='textbox "User"', locator=_role("textbox", "User"), value="kim"),
        Step(action="fill", target='textbox "Password"', locator=_role("textbox", "Password"), value="pw"),
    ]
    signed_in = ReachedState(steps=sign_in, purpose="Sign in as kim", page=_films())
    texts = [
        'Logging in as kim / pw shows "Films"',
        'Choosing "Sign out" in the menu returns to the login page',
    ]
    plan = _plan(_films(reached=[signed_in]), texts)["R2"]
    assert 'expect(page).to_have_url(f"{base_url}/films")' in plan and plan.index('fill("kim")') < plan.index(
        "sign_out_button.click()"
    )
    # recon reached the page without signing in: no address is known to be the sign-in page
    unsigned = _plan(_films(), texts)["R2"]
    assert unsigned.endswith("recon signed in on no page that could be the login page")


def test_amounts_are_checked_against_each_other() -> None:
    plans = _plan(
        _films(),
        [
            "The summary shows the subtotal, a fee of 10% and the total of both",
            "The summary shows the subtotal, a tip of 15% and the total of both",
        ],
    )
    assert "assert abs(fee - round(subtotal * 0.1, 2)) <= 0.01" in plans["R1"]
    assert "assert abs(total - (subtotal + fee)) <= 0.01" in plans["R1"]
    assert plans["R2"].endswith('recon saw no one amount labelled "tip" on the page')
