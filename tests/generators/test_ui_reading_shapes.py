"""The UI reader on whole classes of sentences: stories, Given/When/Then, arrows, compounds, conditions.

The sentences are made up for these tests, in the shapes QA engineers write; each names the beats
(actions and checks, in order) the reader must find, or the part it must report as not understood.
"""

from __future__ import annotations

import pytest

from generators.ui import phrases as p
from generators.ui.offline import OfflineUiGenerator
from tests.generators.reading_beats import beats
from vocabulary import claims as c
from vocabulary.artefacts import number_requirements
from vocabulary.page_model import Button, Form, InputField, Link, LocatorCandidate, PageModel


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        (
            "As a member I want to see my name after signing in so that I feel at home; Acceptance: signing "
            'in with username ada and password hunter2 displays "Hi, ada".',
            [c.Login("ada", "hunter2"), c.ShowsText("Hi, ada")],
        ),
        (
            'Given I am on the Register page\nWhen I enter "bob" as Nickname\nAnd I click "Join"\n'
            'Then I see the message "Joined"',
            [c.Fill("bob", "Nickname"), c.Click("Join"), c.ShowsText("Joined")],
        ),
        (
            'Given I open the Settings page\nThen the "Save" button is disabled\n'
            'When I type "x" into Display '
            'name\nThen the "Save" button is enabled',
            [c.State("disabled"), c.Fill("x", "Display name"), c.State("enabled")],
        ),
        (
            'Sign in with `ada` / `hunter2` → banner reads "Hi, ada"',
            [c.Login("ada", "hunter2"), c.ShowsText("Hi, ada")],
        ),
        ('Tally with exactly two entries → "2 entries" (plural)', [c.Add(count=2), c.ShowsText("2 entries")]),
        (
            'Removing "Eggs" from a list of "Eggs" and "Flour" leaves just "Flour"; '
            'and the tally drops to "1 entry".',
            [
                c.Add(texts=("Eggs", "Flour"), count=2),
                c.Delete("Eggs"),
                c.ItemsAre(("Flour",), only=True),
                c.ShowsText("1 entry"),
            ],
        ),
        (
            "Filtering by the Garden category shows Rake and Hose and nothing else",
            [c.Choose("Garden", "category"), c.ItemsAre(("Rake", "Hose"), only=True)],
        ),
        (
            'Search "spa" → "Spade" is the only tool shown',
            [c.Search("spa"), c.ItemsAre(("Spade",), only=True)],
        ),
        (
            '"Send" button: disabled while Subject or Body is empty; enabled when both are non-empty',
            [c.Gate("disabled", "Subject  and  Body"), c.FillAll(), c.State("enabled")],
        ),
        (
            'Signing in as ada with the password "nope" shows "Access denied"; '
            "and no welcome banner appears.",
            [c.Login("ada", "nope"), c.ShowsText("Access denied"), c.State("absent")],
        ),
        ("Pressing Add while the box is blank adds nothing to the list", [c.Add(empty=True), c.NotAdded()]),
        (
            'After searching "qqq", emptying the Search field lists all nine books again '
            'and hides "Nothing found"',
            [c.Search("qqq"), c.Clear("Search"), c.CountIs(9, "books"), c.HidesText("Nothing found")],
        ),
        (
            "The Size dropdown offers Small, Medium and Large, with Medium selected when the page opens.",
            [c.Offers(("Small", "Medium", "Large"), "Medium")],
        ),
        (
            "Clicking the Remove button beside a row should take that exact row off the list; removing some "
            "other row instead is a bug.",
            [c.Click("Remove", "button"), c.Removed()],
        ),
        (
            "The Go button is disabled as long as Code is blank; and if the code is erased again after both "
            "fields were filled in, the button goes back to disabled.",
            [c.Gate("disabled", "Code"), c.FillAll(), c.Clear("code"), c.State("disabled")],
        ),
        (
            'Clicking "More" on Green Tea opens /teas/4, headed "Green Tea"',
            [
                c.Click("More", "", "Green Tea"),
                c.GoesTo("/teas/4"),
                c.HeadingIs("Green Tea"),
            ],
        ),  # fmt: skip
        ("Enter key in the Note field → the typed text is added", [c.Press("Enter", "Note"), c.ShowsEntry()]),
        (
            "Choosing the Tools category must hide the lamps and the garden items, so the three tools are "
            "the only products left",
            [c.Choose("Tools", "category"), c.HidesItems(("lamps", "garden items")), c.CountIs(3, "tools")],
        ),
        (
            '"More" link in a tea row → /teas/{id}, that tea\'s page (heading = tea name)',
            [c.Click("More", "link"), c.GoesTo("/teas/{id}"), c.HeadingIs("")],
        ),
        (
            'Once "Ant", "Bee" and "Cat" have been added all three entries are listed in that order',
            [c.Add(texts=("Ant", "Bee", "Cat"), count=3), c.ItemsAre((), only=True, ordered=True)],
        ),
        (
            'After adding "Oats", "Oats" is still in the list after refreshing the page',
            [c.Add(texts=("Oats",), count=1), c.Reload(), c.Listed("Oats")],
        ),
        ("Added entries persist after a page reload", [c.Persists()]),
        ('Double-clicking "Oats" makes "Editing" appear', [c.DoubleClick("Oats"), c.ShowsText("Editing")]),
        (
            'After a wrong password the "Nope" error is in an alert region (role="alert")',
            [c.Login(wrong=True), c.InRegion("Nope", "alert")],
        ),
        # A leading condition with no comma ends where what the outcome is about starts.
        (
            'When "Tea" and "Jam" have been added the basket tally reads "2 teas"',
            [c.Add(texts=("Tea", "Jam"), count=2), c.ShowsText("2 teas")],
        ),
        (
            'When the user adds two entries the tally under the list reads "2 entries"',
            [c.Add(count=2), c.ShowsText("2 entries")],
        ),
        # The clause before a counter is not what carries it ("… added the badge shows …").
        (
            'Once "Tea" is added the badge shows "1"',
            [c.Add(texts=("Tea",), count=1), c.ShowsText("1")],
        ),
        (
            'The heading reads "Teas" and the counter reads "0 teas"',
            [c.HeadingIs("Teas"), c.ShowsText("0 teas")],
        ),
    ],
)
def test_a_sentence_reads_as_its_beats_in_order(requirement: str, expected: list[object]) -> None:
    assert beats(requirement) == expected


def test_what_a_check_is_about_is_read_with_it() -> None:
    reading = p.read('Given I open the Settings page\nThen the "Save" button is still disabled')
    [expect] = reading.beats
    assert isinstance(expect, c.Expect) and expect.subject == c.Subject("", kind="button", quoted="Save")
    [_, denied, banner] = p.read(
        'Signing in as ada with the password "nope" shows "No"; and no welcome banner appears'
    ).beats
    assert (
        isinstance(banner, c.Expect)
        and banner.subject is not None
        and banner.subject.words == "welcome banner"
    )


@pytest.mark.parametrize(
    ("requirement", "named"),
    [
        ("Each card shows a price tag", '"shows a price tag"'),
        ('Given I am on the Shop page\nWhen I wiggle the "Cart" icon\nThen "Hi" is shown', '"I wiggle'),
        ('The banner reads "Saved" once the draft has settled', 'the condition "the draft has settled"'),
    ],
)
def test_a_part_not_understood_is_named(requirement: str, named: str) -> None:
    assert named in p.read(requirement).unread


def _candidate(role: str, name: str) -> LocatorCandidate:
    return LocatorCandidate(strategy="role", role=role, name=name, value=role, matches=1)


def _shop() -> PageModel:
    """A page with a list of three teas and a search box, as recon would describe it."""
    return PageModel(
        url="http://127.0.0.1:9/teas",
        final_url="http://127.0.0.1:9/teas",
        status=200,
        title="Teas",
        inputs=[
            InputField(
                key="input-0",
                tag="input",
                type="search",
                label="Search",
                locators=[_candidate("searchbox", "Search")],
            )
        ],
        links=[
            Link(
                key="link-0",
                text="More",
                href="http://127.0.0.1:9/teas/4",
                same_origin=True,
                locators=[
                    LocatorCandidate(
                        strategy="role",
                        role="link",
                        name="More",
                        value="link",
                        container_role="listitem",
                        container_text="Green Tea",
                        matches=1,
                    )
                ],
            )
        ],
        buttons=[
            Button(
                key="button-0",
                text="Go",
                type="submit",
                form_key="form-0",
                locators=[_candidate("button", "Go")],
            )
        ],
        forms=[Form(key="form-0", selector="form", input_keys=["input-0"], submit_key="button-0")],
        aria_snapshot=(
            '- list "Teas":\n  - listitem: Green Tea 4.00\n  - listitem: Black Tea 3.50\n'
            "  - listitem: Mint 2.00"
        ),
    )


def test_items_a_requirement_names_must_be_items_recon_saw() -> None:
    texts = ['Search "tea" → Green Tea and Black Tea only', 'Search "tea" → Green Tea and Oolong only']
    suite = OfflineUiGenerator().generate(_shop(), number_requirements(texts))
    [listed, unknown] = suite.coverage
    assert listed.covered
    [test] = [t for t in suite.tests if t.requirement_ids == ["R1"]]
    assert 'expect(teas.filter(has_text="Green Tea")).not_to_have_count(0)' in test.code
    assert "expect(teas).to_have_count(2)" in test.code
    assert not unknown.covered and '"Oolong" is neither an item recon saw listed' in unknown.reason


def test_a_placeholder_in_an_address_is_the_followed_link_s_own_and_the_heading_its_item_s_name() -> None:
    texts = [
        '"More" link in a tea row → /teas/{id} (heading = tea name)',
        '"More" link in a tea row → /cups/{id}',
    ]
    suite = OfflineUiGenerator().generate(_shop(), number_requirements(texts))
    [filled, other] = suite.coverage
    [test] = [t for t in suite.tests if t.requirement_ids == ["R1"]]
    assert 'expect(page).to_have_url(f"{base_url}/teas/4")' in test.code
    assert 'expect(page.get_by_role("heading", name="Green Tea")).to_be_visible()' in test.code
    assert filled.covered and not other.covered and 'shaped like "/cups/{id}"' in other.reason


def test_a_claim_about_the_page_as_it_loads_must_be_what_recon_saw_there() -> None:
    texts = ['The page shows "Sold out"', "The list shows 5 items", "The list shows 3 items"]
    [sold_out, five, three] = OfflineUiGenerator().generate(_shop(), number_requirements(texts)).coverage
    assert (
        not sold_out.covered and '"Sold out" is not shown on the page as recon saw it load' in sold_out.reason
    )
    assert not five.covered and "3 items are listed" in five.reason
    assert three.covered


def test_a_heading_claimed_of_an_item_s_link_follows_that_link_first() -> None:
    suite = OfflineUiGenerator().generate(
        _shop(), number_requirements(['Green Tea\'s link opens a page headed "Green Tea"'])
    )
    [test] = suite.tests[:1]
    assert (
        'get_by_role("listitem").filter(has_text="Green Tea").get_by_role("link", name="More")' in test.code
    )
    assert test.code.index("more_link.click()") < test.code.index('name="Green Tea")).to_be_visible()')


def test_a_control_claimed_of_every_item_must_be_one_recon_saw_in_each() -> None:
    reading = p.read("Every tea row has a More link, and following it should take you to that tea's own page")
    assert [b.outcome for b in reading.beats if isinstance(b, c.Expect)] == [
        c.EveryItemHas("link", "More"),
        c.OpensOwnPage(),
    ]
    [coverage] = (
        OfflineUiGenerator().generate(_shop(), number_requirements(["Each tea row has a More link"])).coverage
    )
    assert not coverage.covered and 'recon did not see a "More" link in each of the items' in coverage.reason
