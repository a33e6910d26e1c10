"""Tests every page deserves, from reconnaissance alone: it loads cleanly, its links work, its required fields
hold a form back, its controls can be found by role.

Each check is one the page passed while recon watched, and none depends on looks: a restyled page passes.
"""

from __future__ import annotations

from generators.ui.page_facts import PageFacts, describe, options_of, snake, unique_var
from generators.ui.requirements import lit, url_expr
from generators.ui.scenario import Element, Scenario, Severity, Step, check, code, do

# a page with more controls than this is checked on the first ones: the test stays readable
_MAX_ROLE_CHECKS = 15
_RISKY_WORDS = ("logout", "log-out", "signout", "sign-out")
_SAME_SITE = 'href.split("#")[0] for href in hrefs if href.startswith(f"{base_url}/")'


def _scenario(
    facts: PageFacts, module: str, name: str, title: str, story: str, severity: Severity
) -> Scenario:
    return Scenario(
        name=name,
        module=module,
        title=title,
        feature=facts.feature,
        story=story,
        severity=severity,
        category="baseline",
        docstring=title,
    )


def _open(facts: PageFacts) -> Step:
    return Step(f"Open the {facts.feature} page", (code(f"page.goto({url_expr(facts.path)})"),))


def page_loads(facts: PageFacts, module: str) -> Scenario:
    """The page answers, shows its title and main heading, and (if recon saw none) logs no errors."""
    page = facts.page
    quiet = not page.console_errors
    title = "The page loads with its title" + (" and no console errors" if quiet else "")
    name = "test_page_loads_with_title" + ("_and_no_console_errors" if quiet else "")
    scenario = _scenario(facts, module, name, title, "Page load", "blocker")
    opening = [code(f"response = page.goto({url_expr(facts.path)})")]
    if page.status is not None and page.status < 400:
        opening += [
            code('assert response is not None, "the page sent no response"'),
            code('assert response.ok, f"the page answered {response.status}"'),
        ]
    if quiet:
        scenario.fixtures.append(("console_errors", "list[str]"))
    scenario.steps.append(Step(f"Open the {facts.feature} page", tuple(opening)))
    looks = []
    if page.title:
        looks.append(code(f"expect(page).to_have_title({lit(page.title)})"))
    heading = next((h.text for h in page.headings if h.level == 1 and h.text), "")
    if heading:
        looks.append(
            code(f'expect(page.get_by_role("heading", name={lit(heading)}, level=1)).to_be_visible()')
        )
    if looks:
        scenario.steps.append(Step("Check the title and the main heading", tuple(looks)))
    if quiet:
        scenario.steps.append(
            Step(
                "Check that nothing was logged as an error",
                (code('assert console_errors == [], f"console errors: {console_errors}"'),),
            )
        )
    return scenario


def links_answer(facts: PageFacts, module: str) -> Scenario | None:
    """Every link to the same site answers below 400; read from the live page, so a changed link counts."""
    if not any(link.same_origin for link in facts.page.links):
        return None
    title = "Links to this site answer below 400"
    scenario = _scenario(facts, module, "test_links_to_this_site_answer_below_400", title, "Links", "normal")
    # links that would end a session are left alone, as recon left them alone
    risky = [w for w in _RISKY_WORDS if any(w in link.href.lower() for link in facts.page.links)]
    keep = f" and not any(word in href.lower() for word in {tuple(risky)!r})" if risky else ""
    scenario.steps += [
        _open(facts),
        Step(
            "Collect the links to this site",
            (
                code(
                    'hrefs = page.locator("a[href]").evaluate_all("links => links.map((link) => link.href)")'
                ),
                code(f"links = sorted({{{_SAME_SITE}{keep}}})"),
                code('assert links, "expected links to this site on the page"'),
            ),
        ),
        Step(
            "Request every link",
            (
                code("statuses = {link: page.request.get(link).status for link in links}"),
                code("failing = {link: status for link, status in statuses.items() if status >= 400}"),
                code('assert not failing, f"links answering 400 or above: {failing}"'),
            ),
        ),
    ]
    return scenario


def required_fields_block(facts: PageFacts, module: str) -> Scenario | None:
    """With its required fields empty a form cannot be sent: its button is disabled, or sending stays put."""
    for form in facts.page.forms:
        required = [
            i for i in facts.page.inputs if i.key in form.input_keys and i.required and not i.disabled
        ]
        submit = facts.submit_of(form.key)
        if not required or submit is None or not options_of(submit):
            continue
        title = "Required fields must be filled before the form is sent"
        scenario = _scenario(
            facts, module, "test_required_fields_block_submission", title, "Form validation", "normal"
        )
        button = unique_var(snake(describe(submit)) + "_button", (), "_button")
        scenario.elements.append(Element(button, options_of(submit), describe(submit)))
        scenario.steps.append(_open(facts))
        if submit.disabled:
            scenario.steps.append(
                Step(
                    f"Check that {describe(submit)} is disabled while the required fields are empty",
                    (check(button, "to_be_disabled"),),
                )
            )
            return scenario
        first = required[0]
        field = unique_var(snake(describe(first)), [button], "_field")
        scenario.elements.append(Element(field, options_of(first), describe(first)))
        scenario.steps += [
            Step(f"Send the form with {describe(first)} empty", (do(button, "click"),)),
            Step(
                "Check that the form was held back",
                (
                    code(f"expect(page).to_have_url({url_expr(facts.path)})"),
                    (
                        "assert ",
                        *do(field, "evaluate", '"field => field.validity.valueMissing"'),
                        ", " + lit(f"{describe(first)} should be reported as missing"),
                    ),
                ),
            ),
        ]
        return scenario
    return None


def controls_by_role(facts: PageFacts, module: str) -> Scenario | None:
    """Every visible control is found by its ARIA role and accessible name, as assistive technology does."""
    seen: set[str] = set()
    checks = []
    for control in facts.controls():
        candidate = next((c for c in control.locators if c.strategy == "role" and c.name), None)
        if candidate is None or candidate.matches != 1 or candidate.container_role:
            continue
        expression = candidate.to_python()
        if expression not in seen:
            seen.add(expression)
            checks.append(code(f"expect({expression}).to_be_visible()"))
    if not checks:
        return None
    title = "Controls can be reached by their role and name"
    scenario = _scenario(
        facts, module, "test_controls_are_reachable_by_role", title, "Accessibility", "minor"
    )
    scenario.steps += [
        _open(facts),
        Step("Find each control by role and name", tuple(checks[:_MAX_ROLE_CHECKS])),
    ]
    return scenario


def plan_baseline(facts: PageFacts, module: str) -> list[Scenario]:
    """The baseline tests this page supports, in a fixed order."""
    planned = [
        page_loads(facts, module),
        links_answer(facts, module),
        required_fields_block(facts, module),
        controls_by_role(facts, module),
    ]
    return [s for s in planned if s is not None]
