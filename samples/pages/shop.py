"""The shop sample: our own small Swag Labs (saucedemo.com), a one-document shop behind a login.

As on the real site, the views have their own addresses (/shop, /shop/inventory, /shop/cart,
/shop/checkout-step-one, /shop/checkout-step-two, /shop/checkout-complete), the session and cart live in
the browser's storage, and a view behind the login sends a visitor without a session back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from samples.pages.layout import document, with_config
from samples.pages.requirements import SHOP
from samples.pages.variant import CORRECT, PageVariant

PAGE = "shop"
VIEWS = ("inventory", "cart", "checkout-step-one", "checkout-step-two", "checkout-complete")
PASSWORD = "secret_sauce"
STANDARD_USER = "standard_user"
LOCKED_OUT_USER = "locked_out_user"
TAX_RATE = 0.08


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    description: str
    price: str


PRODUCTS: tuple[Product, ...] = (
    Product("backpack", "Sauce Labs Backpack", "A roomy pack for a laptop and a lunch.", "29.99"),
    Product("bike-light", "Sauce Labs Bike Light", "A small light that clips to any handlebar.", "9.99"),
    Product("bolt-t-shirt", "Sauce Labs Bolt T-Shirt", "A soft cotton shirt with a lightning bolt.", "15.99"),
    Product("fleece-jacket", "Sauce Labs Fleece Jacket", "A warm mid-layer for cold mornings.", "49.99"),
    Product("onesie", "Sauce Labs Onesie", "A snug one-piece for the smallest testers.", "7.99"),
    Product(
        "red-t-shirt", "Test.allTheThings() T-Shirt (Red)", "A red shirt for those who test it all.", "15.99"
    ),
)
SORT_OPTIONS = (
    ("az", "Name (A to Z)"),
    ("za", "Name (Z to A)"),
    ("lohi", "Price (low to high)"),
    ("hilo", "Price (high to low)"),
)

VARIANTS: tuple[PageVariant, ...] = (
    PageVariant(PAGE, CORRECT, "correct", "Works as the requirements say."),
    PageVariant(
        PAGE, "locked_out_user_let_in", "buggy", "locked_out_user reaches the inventory.", (SHOP[1],)
    ),
    PageVariant(
        PAGE, "username_not_required", "buggy", "An empty username gets the no-match error.", (SHOP[2],)
    ),
    PageVariant(PAGE, "product_missing", "buggy", "The inventory lists five products.", (SHOP[3],)),
    PageVariant(PAGE, "price_sort_reversed", "buggy", "Price (low to high) sorts high to low.", (SHOP[4],)),
    PageVariant(PAGE, "name_sort_ignored", "buggy", "Name (Z to A) leaves the A to Z order.", (SHOP[5],)),
    PageVariant(PAGE, "badge_not_updating", "buggy", "The cart badge never appears.", (SHOP[6],)),
    PageVariant(PAGE, "cart_remove_ignored", "buggy", "Remove on the cart page does nothing.", (SHOP[7],)),
    PageVariant(
        PAGE, "first_name_not_required", "buggy", "Checkout continues without a first name.", (SHOP[8],)
    ),
    PageVariant(PAGE, "tax_rate_wrong", "buggy", "The overview charges 10% tax.", (SHOP[9],)),
    PageVariant(
        PAGE, "wrong_thank_you_text", "buggy", 'Finish shows "Thank you for your purchase!".', (SHOP[10],)
    ),
    PageVariant(PAGE, "logout_keeps_session", "buggy", "Logout closes the menu and stays put.", (SHOP[11],)),
    PageVariant(PAGE, "restyled", "harmless", "Another palette, font and button shape."),
    PageVariant(
        PAGE, "renamed_markup", "harmless", "Other ids and classes; header after the views in source."
    ),
)

# The ids and classes the views are built from; the renamed_markup variant spells every one differently.
_IDS: dict[str, str] = {
    "username": "user-name", "password": "password", "login": "login-button", "loginError": "login-error",
    "header": "header", "menuButton": "menu-button", "menu": "menu", "logout": "logout-link",
    "allItems": "all-items-link", "reset": "reset-link", "cartLink": "cart-link", "badge": "cart-badge",
    "sort": "sort", "inventory": "inventory-list", "cartList": "cart-list",
    "continueShopping": "continue-shopping", "checkout": "checkout", "firstName": "first-name",
    "lastName": "last-name", "postalCode": "postal-code", "checkoutError": "checkout-error",
    "cancel": "cancel", "continue": "continue", "overviewList": "overview-list",
    "itemTotal": "item-total", "tax": "tax", "total": "total", "finish": "finish", "backHome": "back-home",
    "cancelOverview": "cancel-overview",
}  # fmt: skip
_CLASSES: dict[str, str] = {"item": "inventory-item", "name": "item-name", "price": "item-price"}


def _markup(variant: str) -> tuple[dict[str, str], dict[str, str]]:
    """The ids and classes of this variant."""
    if variant == "renamed_markup":
        return {k: f"s-{v}-x" for k, v in _IDS.items()}, {k: f"c-{v}" for k, v in _CLASSES.items()}
    return _IDS, _CLASSES


_SCRIPT = """
const $ = (key) => document.getElementById(CONFIG.ids[key]);
const state = {
  get user() { return sessionStorage.getItem("session-username"); },
  set user(name) { name ? sessionStorage.setItem("session-username", name) : sessionStorage.clear(); },
  get cart() { return JSON.parse(sessionStorage.getItem("cart-contents") || "[]"); },
  set cart(slugs) { sessionStorage.setItem("cart-contents", JSON.stringify(slugs)); },
};
const money = (n) => "$" + n.toFixed(2);
const product = (slug) => CONFIG.products.find((p) => p.slug === slug);

function show(view, push = true) {
  if (push) history.pushState({}, "", view === "login" ? CONFIG.root : CONFIG.root + "/" + view);
  for (const section of document.querySelectorAll("[data-view]")) {
    section.hidden = section.dataset.view !== view;
  }
  $("header").hidden = view === "login";
  $("menu").hidden = true;
  $("menuButton").setAttribute("aria-expanded", "false");
  render(view);
}
function render(view) {
  const cart = state.cart;
  $("badge").textContent = cart.length;
  $("badge").hidden = cart.length === 0 || CONFIG.badgeFrozen;
  for (const button of document.querySelectorAll("[data-toggle-slug]")) {
    button.textContent = cart.includes(button.dataset.toggleSlug) ? "Remove" : "Add to cart";
  }
  if (view === "cart") fillList($("cartList"), cart, true);
  if (view === "checkout-step-two") {
    fillList($("overviewList"), cart, false);
    const items = cart.reduce((sum, slug) => sum + Number(product(slug).price), 0);
    const tax = Math.round(items * CONFIG.taxRate * 100) / 100;
    $("itemTotal").textContent = "Item total: " + money(items);
    $("tax").textContent = "Tax: " + money(tax);
    $("total").textContent = "Total: " + money(items + tax);
  }
}
function fillList(list, cart, removable) {
  list.replaceChildren(...cart.map((slug) => {
    const item = document.createElement("li");
    item.className = CONFIG.classes.item;
    const p = product(slug);
    item.innerHTML = `<span>1</span> <span class="${CONFIG.classes.name}"></span>
      <span class="${CONFIG.classes.price}">$${p.price}</span>`;
    item.querySelector("." + CONFIG.classes.name).textContent = p.name;
    if (removable) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.addEventListener("click", () => {
        if (!CONFIG.cartRemoveIgnored) state.cart = state.cart.filter((s) => s !== slug);
        render("cart");
      });
      item.append(" ", remove);
    }
    return item;
  }));
}
function loginError(text) {
  const error = $("loginError");
  error.textContent = text;
  error.hidden = !text;
}

$("login").closest("form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("username").value;
  const password = $("password").value;
  if (!name && !CONFIG.usernameOptional) return loginError("Epic sadface: Username is required");
  if (!password) return loginError("Epic sadface: Password is required");
  const known = CONFIG.users.includes(name) && password === CONFIG.password;
  if (!known) return loginError("Epic sadface: Username and password do not match any user in this service");
  if (name === CONFIG.lockedOut && !CONFIG.lockedOutLetIn) {
    return loginError("Epic sadface: Sorry, this user has been locked out.");
  }
  loginError("");
  state.user = name;
  show("inventory");
});
$("menuButton").addEventListener("click", () => {
  const open = $("menu").hidden;
  $("menu").hidden = !open;
  $("menuButton").setAttribute("aria-expanded", String(open));
});
$("logout").addEventListener("click", () => {
  if (CONFIG.logoutKeepsSession) { $("menu").hidden = true; return; }
  state.user = null;
  $("username").value = "";
  $("password").value = "";
  show("login");
});
$("allItems").addEventListener("click", () => show("inventory"));
$("reset").addEventListener("click", () => { state.cart = []; render(currentView()); });
$("cartLink").addEventListener("click", (event) => { event.preventDefault(); show("cart"); });
$("continueShopping").addEventListener("click", () => show("inventory"));
$("checkout").addEventListener("click", () => show("checkout-step-one"));
$("cancel").addEventListener("click", () => show("cart"));
$("continue").closest("form").addEventListener("submit", (event) => {
  event.preventDefault();
  const error = $("checkoutError");
  const missing = [["firstName", "First Name"], ["lastName", "Last Name"], ["postalCode", "Postal Code"]]
    .find(([key]) => !$(key).value && !(key === "firstName" && CONFIG.firstNameOptional));
  error.textContent = missing ? "Error: " + missing[1] + " is required" : "";
  error.hidden = !missing;
  if (!missing) show("checkout-step-two");
});
$("finish").addEventListener("click", () => { state.cart = []; show("checkout-complete"); });
$("backHome").addEventListener("click", () => show("inventory"));
$("cancelOverview").addEventListener("click", () => show("inventory"));
for (const button of document.querySelectorAll("[data-toggle-slug]")) {
  button.addEventListener("click", () => {
    const slug = button.dataset.toggleSlug;
    const cart = state.cart;
    state.cart = cart.includes(slug) ? cart.filter((s) => s !== slug) : [...cart, slug];
    render("inventory");
  });
}
$("sort").addEventListener("change", () => {
  const list = $("inventory");
  const rows = Array.from(list.children);
  const name = (row) => row.dataset.name;
  const price = (row) => Number(row.dataset.price);
  const orders = {
    az: (a, b) => name(a).localeCompare(name(b)),
    za: (a, b) => (CONFIG.nameSortIgnored ? name(a).localeCompare(name(b)) : name(b).localeCompare(name(a))),
    lohi: (a, b) => (CONFIG.priceSortReversed ? price(b) - price(a) : price(a) - price(b)),
    hilo: (a, b) => price(b) - price(a),
  };
  list.replaceChildren(...rows.sort(orders[$("sort").value]));
});
function currentView() {
  const view = location.pathname.slice(CONFIG.root.length + 1);
  return CONFIG.views.includes(view) ? view : "login";
}
function route() {
  const view = currentView();
  if (view !== "login" && !state.user) {
    const asked = location.pathname;
    show("login");
    loginError(`Epic sadface: You can only access '${asked}' when you are logged in.`);
    return;
  }
  show(view, false);
}
window.addEventListener("popstate", route);
route();
"""

_BASE_STYLE = """
header { display: flex; align-items: center; gap: 1rem; border-bottom: 1px solid #e5e7eb; }
header .logo { flex: 1; font-size: 1.5rem; }
.badge { background: #e2231a; color: white; border-radius: 999px; padding: 0 .45rem; margin-left: .2rem; }
ul.items { list-style: none; padding: 0; }
ul.items li { padding: .4rem 0; border-bottom: 1px solid #f3f4f6; }
h3.error { background: #e2231a; color: white; padding: .4rem; }
"""
_RESTYLE = """
body { font-family: Georgia, serif; background: #fdf6e3; }
button, input[type=submit] { border-radius: 0; background: #268bd2; color: white; }
header .logo { font-variant: small-caps; letter-spacing: .1em; }
"""
_PRIMARY = "button, input[type=submit] { background: #3ddc91; color: #132322; }"


def _inventory_rows(variant: str, ids: dict[str, str], classes: dict[str, str]) -> str:
    shown = [p for p in PRODUCTS if not (variant == "product_missing" and p.slug == "onesie")]
    return "\n".join(
        f'<li class="{classes["item"]}" data-name="{escape(p.name)}" data-price="{p.price}">'
        f'<div class="{classes["name"]}">{escape(p.name)}</div><p>{escape(p.description)}</p>'
        f'<div class="{classes["price"]}">${p.price}</div>'
        f' <button type="button" id="{ids["inventory"]}-{p.slug}" data-toggle-slug="{p.slug}">'
        "Add to cart</button>"
        "</li>"
        for p in shown
    )


def render(variant: str = CORRECT, root: str = f"/{PAGE}") -> str:
    """The shop document for one variant, whichever of its views the address names."""
    ids, classes = _markup(variant)
    config = {
        "ids": ids, "classes": classes, "root": root, "views": list(VIEWS), "password": PASSWORD,
        "users": [STANDARD_USER, LOCKED_OUT_USER], "lockedOut": LOCKED_OUT_USER,
        "products": [{"slug": p.slug, "name": p.name, "price": p.price} for p in PRODUCTS],
        "taxRate": 0.10 if variant == "tax_rate_wrong" else TAX_RATE,
        "lockedOutLetIn": variant == "locked_out_user_let_in",
        "usernameOptional": variant == "username_not_required",
        "priceSortReversed": variant == "price_sort_reversed",
        "nameSortIgnored": variant == "name_sort_ignored",
        "badgeFrozen": variant == "badge_not_updating",
        "cartRemoveIgnored": variant == "cart_remove_ignored",
        "firstNameOptional": variant == "first_name_not_required",
        "logoutKeepsSession": variant == "logout_keeps_session",
    }  # fmt: skip
    thanks = (
        "Thank you for your purchase!" if variant == "wrong_thank_you_text" else "Thank you for your order!"
    )
    options = "".join(f'<option value="{value}">{label}</option>' for value, label in SORT_OPTIONS)
    header = f"""<header id="{ids["header"]}" hidden>
  <button type="button" id="{ids["menuButton"]}" aria-controls="{ids["menu"]}" aria-expanded="false">
    Open Menu</button>
  <div class="logo">Swag Labs</div>
  <a id="{ids["cartLink"]}" href="{root}/cart">Cart<span id="{ids["badge"]}" class="badge" hidden>0</span></a>
  <nav id="{ids["menu"]}" aria-label="Menu" hidden>
    <button type="button" id="{ids["allItems"]}">All Items</button>
    <button type="button" id="{ids["logout"]}">Logout</button>
    <button type="button" id="{ids["reset"]}">Reset App State</button>
  </nav>
</header>"""
    views = f"""<main>
<section data-view="login">
  <h1>Swag Labs</h1>
  <form>
    <input id="{ids["username"]}" name="user-name" placeholder="Username" autocomplete="off">
    <input id="{ids["password"]}" name="password" type="password" placeholder="Password" autocomplete="off">
    <h3 id="{ids["loginError"]}" class="error" data-test="error" hidden></h3>
    <input id="{ids["login"]}" type="submit" value="Login">
  </form>
  <p>Accepted usernames: {STANDARD_USER}, {LOCKED_OUT_USER}. Password for all users: {PASSWORD}</p>
</section>
<section data-view="inventory" hidden>
  <h2>Products</h2>
  <select id="{ids["sort"]}" aria-label="Sort">{options}</select>
  <ul id="{ids["inventory"]}" class="items" aria-label="Inventory">
{_inventory_rows(variant, ids, classes)}
  </ul>
</section>
<section data-view="cart" hidden>
  <h2>Your Cart</h2>
  <ul id="{ids["cartList"]}" class="items" aria-label="Cart items"></ul>
  <button type="button" id="{ids["continueShopping"]}">Continue Shopping</button>
  <button type="button" id="{ids["checkout"]}">Checkout</button>
</section>
<section data-view="checkout-step-one" hidden>
  <h2>Checkout: Your Information</h2>
  <form>
    <input id="{ids["firstName"]}" name="firstName" placeholder="First Name" autocomplete="off">
    <input id="{ids["lastName"]}" name="lastName" placeholder="Last Name" autocomplete="off">
    <input id="{ids["postalCode"]}" name="postalCode" placeholder="Zip/Postal Code" autocomplete="off">
    <h3 id="{ids["checkoutError"]}" class="error" data-test="error" hidden></h3>
    <button type="button" id="{ids["cancel"]}">Cancel</button>
    <input id="{ids["continue"]}" type="submit" value="Continue">
  </form>
</section>
<section data-view="checkout-step-two" hidden>
  <h2>Checkout: Overview</h2>
  <ul id="{ids["overviewList"]}" class="items" aria-label="Order items"></ul>
  <p>Payment Information: SauceCard #31337</p>
  <p>Shipping Information: Free Pony Express Delivery!</p>
  <p id="{ids["itemTotal"]}"></p>
  <p id="{ids["tax"]}"></p>
  <p id="{ids["total"]}"></p>
  <button type="button" id="{ids["cancelOverview"]}">Cancel</button>
  <button type="button" id="{ids["finish"]}">Finish</button>
</section>
<section data-view="checkout-complete" hidden>
  <h2>Checkout: Complete!</h2>
  <h3>{thanks}</h3>
  <p>Your order is on its way, riding as fast as the pony can carry it.</p>
  <button type="button" id="{ids["backHome"]}">Back Home</button>
</section>
</main>"""
    # renamed_markup writes the header after the views; CSS puts it back on top
    body = f"{views}\n{header}" if variant == "renamed_markup" else f"{header}\n{views}"
    style = _BASE_STYLE + (_RESTYLE if variant == "restyled" else _PRIMARY)
    if variant == "renamed_markup":
        style += "body { display: flex; flex-direction: column; } header { order: -1; }"
    return document("Swag Labs", body, style=style, script=with_config(config, _SCRIPT))
