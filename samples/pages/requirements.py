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

# Swag Labs (saucedemo.com), in the words its public test plans use: a shop behind a login.
SHOP: tuple[str, ...] = (
    'Logging in as standard_user / secret_sauce shows the "Products" page',
    "Logging in as locked_out_user / secret_sauce shows "
    '"Epic sadface: Sorry, this user has been locked out."',
    'Clicking Login with an empty username shows "Epic sadface: Username is required"',
    "The inventory page shows 6 products",
    'Sorting by "Price (low to high)" orders the products from the lowest to the highest price',
    'Sorting by "Name (Z to A)" orders the products by name in reverse alphabetical order',
    'Clicking "Add to cart" on a product shows 1 on the cart badge',
    "Removing a product on the cart page takes it out of the cart",
    'Continuing the checkout with an empty First Name shows "Error: First Name is required"',
    "The checkout overview shows the item total, a tax of 8% and the total of both",
    'Clicking Finish on the checkout overview shows "Thank you for your order!"',
    "Choosing Logout in the menu returns to the login page",
)

REQUIREMENTS: dict[str, list[str]] = {
    "login": list(LOGIN),
    "todo": list(TODO),
    "search": list(SEARCH),
    "shop": list(SHOP),
}
