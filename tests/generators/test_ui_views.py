"""Recon follows clicks that open other views of a site, and the generator tests what those views do.

The site is a small orchard shop of this test's own, served from a temporary directory: a fruit list with a
sort select and a basket link whose badge counts what was added, a basket page whose items can be removed,
and a checkout page whose form wants a first name. A buggy copy breaks each of those. Real Chromium and
pytest throughout.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from generators.base import GeneratedSuite
from generators.ui import OfflineUiGenerator
from samples.loopback import serving_folder
from tests.generators.ui_suite_helpers import FAST_TIMEOUTS, FINDING_TIMEOUTS
from tools.browser import BrowserSession
from tools.page_recon import reconnoitre_page
from tools.runner import TestRun, run_suite, write_suite
from vocabulary.artefacts import number_requirements
from vocabulary.page_model import PageModel

module_loop = pytest.mark.asyncio(loop_scope="module")

_BASKET_JS = """
const basket = () => JSON.parse(localStorage.getItem("basket") || "[]");
const keep = (items) => localStorage.setItem("basket", JSON.stringify(items));
"""

FRUIT_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Orchard</title></head>
<body><header><a id="basket" href="basket.html">Basket<span id="count" hidden></span></a></header>
<main>
  <h1>Orchard</h1>
  <select id="sort" aria-label="Sort"><option value="az">Name (A to Z)</option>
    <option value="za">Name (Z to A)</option></select>
  <ul id="fruit" aria-label="Fruit">
    <li data-name="Apple">Apple <button type="button" data-add="Apple">Add</button></li>
    <li data-name="Pear">Pear <button type="button" data-add="Pear">Add</button></li>
    <li data-name="Plum">Plum <button type="button" data-add="Plum">Add</button></li>
  </ul>
</main>
<script>{_BASKET_JS}
  const count = document.getElementById("count");
  const show = () => {{
    count.textContent = basket().length;
    count.hidden = basket().length === 0;
  }};
  for (const button of document.querySelectorAll("[data-add]")) {{
    button.addEventListener("click", () => {{ keep([...basket(), button.dataset.add]); show(); }});
  }}
  document.getElementById("sort").addEventListener("change", (event) => {{
    const list = document.getElementById("fruit");
    const rows = Array.from(list.children).sort((a, b) => a.dataset.name.localeCompare(b.dataset.name));
    list.replaceChildren(...(event.target.value === "za" ? rows.reverse() : rows));
  }});
  show();
</script></body></html>
"""

BASKET_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Basket</title></head>
<body><main>
  <h1>Your basket</h1>
  <ul id="items" aria-label="Basket items"></ul>
  <button type="button" id="checkout">Checkout</button>
</main>
<script>{_BASKET_JS}
  const list = document.getElementById("items");
  const draw = () => list.replaceChildren(...basket().map((name, index) => {{
    const item = document.createElement("li");
    item.textContent = name + " ";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => {{ keep(basket().filter((_, i) => i !== index)); draw(); }});
    item.append(remove);
    return item;
  }}));
  document.getElementById("checkout").addEventListener("click", () => {{ location.href = "checkout.html"; }});
  draw();
</script></body></html>
"""

CHECKOUT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout</title></head>
<body><main>
  <h1>Checkout</h1>
  <form id="details">
    <input id="first" placeholder="First name" autocomplete="off">
    <input id="postcode" placeholder="Postcode" autocomplete="off">
    <p role="alert" id="problem"></p>
    <button type="submit">Continue</button>
  </form>
</main>
<script>
  document.getElementById("details").addEventListener("submit", (event) => {
    event.preventDefault();
    const problem = document.getElementById("problem");
    problem.textContent = document.getElementById("first").value ? "" : "First name is required";
  });
</script></body></html>
"""

REQUIREMENTS = [
    'Clicking "Add" on a fruit shows 1 on the basket badge',
    'Sorting by "Name (Z to A)" lists the fruit by name in reverse alphabetical order',
    "Removing an item on the basket page takes it out of the basket",
    'Continuing with an empty First name shows "First name is required"',
]
# each replacement breaks one requirement, in REQUIREMENTS' order
BUGS = (
    ("FRUIT", "count.hidden = basket().length === 0;", "count.hidden = true;"),
    ("FRUIT", 'event.target.value === "za" ? rows.reverse() : rows', "rows"),
    ("BASKET", "keep(basket().filter((_, i) => i !== index));", ""),
    ("CHECKOUT", 'document.getElementById("first").value ? ""', '"" ? ""'),
)


def _site(directory: Path, *, buggy: bool = False) -> Path:
    pages = {"FRUIT": FRUIT_PAGE, "BASKET": BASKET_PAGE, "CHECKOUT": CHECKOUT_PAGE}
    for page, correct, wrong in BUGS if buggy else ():
        assert correct in pages[page]
        pages[page] = pages[page].replace(correct, wrong)
    for page, name in (("FRUIT", "index.html"), ("BASKET", "basket.html"), ("CHECKOUT", "checkout.html")):
        (directory / name).write_text(pages[page], encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_folder(_site(tmp_path_factory.mktemp("orchard"))) as url:
        yield url


@pytest.fixture(scope="module")
def buggy_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_folder(_site(tmp_path_factory.mktemp("orchard-buggy"), buggy=True)) as url:
        yield url


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def model(site_url: str) -> PageModel:
    async with BrowserSession() as session:
        return await reconnoitre_page(session, f"{site_url}/index.html", depth=0, explore_budget_s=20.0)


@pytest.fixture(scope="module")
def suite(model: PageModel) -> GeneratedSuite:
    return OfflineUiGenerator().generate(model, number_requirements(REQUIREMENTS))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runs(
    suite: GeneratedSuite, site_url: str, buggy_url: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, TestRun]]:
    directory = tmp_path_factory.mktemp("views-suite")
    write_suite(directory, suite.tests, suite.support_files)
    return {
        name: await run_suite(directory, workers=1, env={**timeouts, "TESTOPS_BASE_URL": url})
        for name, url, timeouts in (
            ("correct", site_url, FAST_TIMEOUTS),
            ("buggy", buggy_url, FINDING_TIMEOUTS),
        )
    }


def test_recon_reaches_the_views_behind_navigating_clicks(model: PageModel) -> None:
    views = {state.page.final_url.rsplit("/", 1)[-1]: state for state in model.reached}
    assert {"basket.html", "checkout.html"} <= views.keys()
    basket = views["basket.html"]
    # reached by adding first (the basket link is only tried once the add changed it), then opening it
    assert [s.action for s in basket.steps] == ["click", "click"]
    assert basket.purpose == "Go to /basket.html"
    assert [b.text for b in basket.page.buttons] == ["Remove", "Checkout"]
    assert "Basket items" in basket.page.aria_snapshot
    # a view's interactions start from the view: their paths leave out the way there
    removed = [i for i in basket.page.interactions if i.target == 'button "Remove"']
    assert removed and removed[0].path == []
    assert views["checkout.html"].steps[: len(basket.steps)] == basket.steps


def test_a_hidden_badge_is_no_part_of_the_links_name(model: PageModel) -> None:
    [basket] = model.links
    assert basket.text == "Basket"
    added = next(i for i in model.interactions if i.action == "click" and i.target == 'button "Add"')
    assert [e.name for e in added.appeared_elements if e.role == "link"] == ["Basket1"]


def test_every_requirement_is_covered(suite: GeneratedSuite) -> None:
    assert all(c.covered for c in suite.coverage), [c.reason for c in suite.coverage]


@module_loop
async def test_the_suite_passes_on_the_correct_site(runs: dict[str, dict[str, TestRun]]) -> None:
    failed = {i: r.message[:300] for i, r in runs["correct"].items() if r.outcome != "passed"}
    assert not failed


@module_loop
async def test_each_requirement_test_fails_on_the_buggy_site(
    suite: GeneratedSuite, runs: dict[str, dict[str, TestRun]]
) -> None:
    by_requirement = {t.requirement_ids[0]: t.name for t in suite.tests if t.requirement_ids}
    outcomes = {
        requirement: next(r.outcome for i, r in runs["buggy"].items() if i.endswith(name))
        for requirement, name in by_requirement.items()
    }
    assert outcomes == dict.fromkeys(("R1", "R2", "R3", "R4"), "failed")
