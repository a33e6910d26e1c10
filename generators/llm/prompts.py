"""Every prompt the LLM gets, as versioned constants. Callers format them; a new wording is a new version.

The version is part of each reply's cache key, so changing a prompt's text without bumping its version
would replay replies written for the old text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prompt:
    """A system message and a user message template (str.format fields), under a name and a version."""

    name: str
    version: int
    system: str
    user: str

    def render(self, **fields: str) -> tuple[str, str]:
        """The system and the user message with the fields filled in."""
        return self.system, self.user.format(**fields)

    @property
    def key(self) -> str:
        return f"{self.name}@v{self.version}"


CHOOSE_OPERATIONS = Prompt(
    name="choose_operations",
    version=1,
    system=(
        "You map a plain-language requirement on an HTTP API to the operations of its OpenAPI document "
        "that a test of the requirement calls. Answer with at most 3 operation ids taken from the list, "
        "in the order a test would call them; answer none when no listed operation can check it."
    ),
    user=(
        "Requirement {requirement_id}: {requirement}\n\n"
        "Operations (id: METHOD path: summary):\n{operations}\n"
    ),
)

CLAIM = Prompt(
    name="claim",
    version=1,
    system=(
        "You turn one requirement on an HTTP API into a test scenario: a sequence of HTTP steps, each "
        "calling one operation of the spec excerpt, with the expectation its response must meet. "
        "Use only operation ids, parameters, fields and statuses from the excerpt. Values a later step "
        'needs from an earlier response are references: {"step": <save_as of that step>, "pointer": '
        "<JSON pointer>}. Field checks use JSON pointers into the response body and carry the "
        "requirement id as their source. Set expressible to false, with the reason, when the "
        "requirement needs something steps and expectations cannot say (timing, ordering across calls, "
        "values computed from others, headers between calls); never answer a weaker test instead."
    ),
    user=(
        "Requirement {requirement_id}: {requirement}\n"
        "The offline reader left it uncovered because: {reason}\n\n"
        "Spec excerpt (the operations and the schemas they use):\n{excerpt}\n"
    ),
)

CODE = Prompt(
    name="code",
    version=1,
    system=(
        "You write one pytest test function for an HTTP API, checking exactly one requirement. "
        "Answer with a single ```python block and nothing else: the imports it needs, then the function. "
        "Fixtures: `client` (httpx.Client with the configured credentials, base URL set), "
        "`anonymous_client` (no credentials). Helpers you may import from `support`: "
        "expect_status(response, *statuses), json_body(response), expect_schema(response, operation_id), "
        "value_at(body, pointer). Decorate it with @allure.title(...). Every check is an assert. "
        "Call only the target through the fixtures: no other hosts, processes, files, environment "
        "variables or sleeping."
    ),
    user=(
        "Requirement {requirement_id}: {requirement}\n"
        "Name the function {function_name}.\n\n"
        "Spec excerpt (the operations and the schemas they use):\n{excerpt}\n"
    ),
)

REPAIR = Prompt(
    name="repair",
    version=1,
    system=(
        "You repair one broken pytest test of an HTTP API: it fails because the test is wrong, not "
        "because the API is. Answer with a single ```python block and nothing else: the imports it "
        "needs, then the function, under the same name. Keep every assert and expect_* check as it is: "
        "fix how the test gets there (syntax, calls, data, fixtures), never what it checks. Call only "
        "the target through the fixtures: no other hosts, processes, files, environment variables or "
        "sleeping."
    ),
    user=(
        "The test:\n```python\n{code}\n```\n\n"
        "What running it said:\n{error}\n\n"
        "Earlier attempts that did not work either:\n{attempts}\n\n"
        "Spec excerpt (the operations it calls and their schemas):\n{excerpt}\n"
    ),
)

UI_CLAIM = Prompt(
    name="ui_claim",
    version=1,
    system=(
        "You turn one requirement on a web page into beats: the actions a user takes and the "
        "expectations to check afterwards, in the order they happen, each beat one object of the schema "
        "(its kind names it). Name controls and texts exactly as the page's accessibility snapshot and "
        "reconnaissance's observations show them. Set expressible to false, with the reason, when beats "
        "cannot say the requirement (focus, timing, layout, colours, anything the schema has no kind "
        "for); never answer a weaker test instead."
    ),
    user=(
        "Requirement {requirement_id}: {requirement}\n"
        "The offline reader left it uncovered because: {reason}\n\n"
        "The page {path}, its accessibility snapshot:\n{snapshot}\n\n"
        "What reconnaissance did on it, and what changed:\n{interactions}\n"
    ),
)

UI_CODE = Prompt(
    name="ui_code",
    version=1,
    system=(
        "You write one pytest test function for a web page, with Playwright's sync API, checking exactly "
        "one requirement. Answer with a single ```python block and nothing else: the imports it needs, "
        "then the function. Fixtures: `page` (a fresh playwright Page) and `base_url` (the site, without "
        'a trailing slash: open the page with page.goto(f"{base_url}<path>")). Find elements by role '
        "and name, label or text, as the accessibility snapshot shows them; every check is a web-first "
        "expect(...) assertion. Decorate it with @allure.title(...). Touch only the page under test: no "
        "other hosts, processes, files, environment variables or fixed waits."
    ),
    user=(
        "Requirement {requirement_id}: {requirement}\n"
        "Name the function {function_name}; the page's path is {path}.\n\n"
        "Its accessibility snapshot:\n{snapshot}\n\n"
        "What reconnaissance did on it, and what changed:\n{interactions}\n"
    ),
)

UI_REPAIR = Prompt(
    name="ui_repair",
    version=1,
    system=(
        "You repair one broken Playwright test of a web page: it fails because the test is wrong (a "
        "locator that finds nothing, or more than one element; a step missing or out of order), not "
        "because the page is. Answer with a single ```python block and nothing else: the imports it "
        "needs, then the function, under the same name. Keep every expect(...) and assert as it is, the "
        "texts it looks for included: fix how the test finds elements and gets there, never what it "
        "checks. Find the elements in the accessibility snapshot taken when it failed. Touch only the "
        "page under test: no other hosts, processes, files, environment variables or fixed waits."
    ),
    user=(
        "The test:\n```python\n{code}\n```\n\n"
        "What running it said:\n{error}\n\n"
        "The page's accessibility snapshot when it failed:\n{snapshot}\n\n"
        "Earlier attempts that did not work either:\n{attempts}\n"
    ),
)
