"""Plain-language requirements for the sample pages, written as a QA engineer would hand them over."""

from __future__ import annotations

LOGIN: tuple[str, ...] = (
    'Logging in as demo / secret shows "Welcome, demo"',
    "The Log in button stays disabled until both fields are filled",
    'Wrong credentials show "Invalid username or password"',
    "The password field masks its input",
)

TODO: tuple[str, ...] = (
    'Adding "Buy milk" shows it in the list',
    'The counter shows "3 items" after adding three items',
    "Deleting an item removes it from the list",
    "An empty item cannot be added",
)

SEARCH: tuple[str, ...] = (
    'Searching for "lamp" shows only products whose name contains lamp',
    'Searching for "zzz" shows "No results"',
    'Choosing the category "Books" shows only books',
    'The "Details" link of a product opens its page',
)

REQUIREMENTS: dict[str, list[str]] = {
    "login": list(LOGIN),
    "todo": list(TODO),
    "search": list(SEARCH),
}
