"""The login sample page: a username/password form whose button is disabled until both are filled."""

from __future__ import annotations

from samples.pages.layout import document, with_config
from samples.pages.requirements import LOGIN
from samples.pages.variant import CORRECT, PageVariant

PAGE = "login"
USERNAME = "demo"
PASSWORD = "secret"

VARIANTS: tuple[PageVariant, ...] = (
    PageVariant(PAGE, CORRECT, "correct", "Works as the requirements say."),
    PageVariant(PAGE, "wrong_welcome_text", "buggy", 'Greets with "Hello, demo".', (LOGIN[0],)),
    PageVariant(PAGE, "button_never_disabled", "buggy", "Log in is enabled on empty fields.", (LOGIN[1],)),
    PageVariant(PAGE, "wrong_error_text", "buggy", 'Wrong credentials show "Login failed".', (LOGIN[2],)),
    PageVariant(PAGE, "any_credentials_accepted", "buggy", "Any username/password logs in.", (LOGIN[2],)),
    PageVariant(PAGE, "password_visible", "buggy", "The password input is type=text.", (LOGIN[3],)),
    PageVariant(PAGE, "recoloured", "harmless", "The Log in button is green instead of blue."),
)

_SCRIPT = """
const form = document.getElementById("login-form");
const username = document.getElementById("username");
const password = document.getElementById("password");
const button = document.getElementById("login-button");
const welcome = document.getElementById("welcome");
const error = document.getElementById("error");
function syncButton() {
  button.disabled = CONFIG.neverDisabled ? false : !(username.value.trim() && password.value);
}
username.addEventListener("input", syncButton);
password.addEventListener("input", syncButton);
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const ok = CONFIG.anyAccepted || (username.value === CONFIG.username && password.value === CONFIG.password);
  if (ok) {
    error.textContent = "";
    welcome.textContent = CONFIG.greeting + username.value;
    form.hidden = true;
  } else {
    error.textContent = CONFIG.errorText;
  }
});
syncButton();
"""


def render(variant: str = CORRECT) -> str:
    """The login page HTML for one variant."""
    password_type = "text" if variant == "password_visible" else "password"
    colour = "#16a34a" if variant == "recoloured" else "#2563eb"
    config = {
        "neverDisabled": variant == "button_never_disabled",
        "anyAccepted": variant == "any_credentials_accepted",
        "username": USERNAME,
        "password": PASSWORD,
        "greeting": "Hello, " if variant == "wrong_welcome_text" else "Welcome, ",
        "errorText": "Login failed" if variant == "wrong_error_text" else "Invalid username or password",
    }
    body = f"""<header><strong>Demo Shop</strong></header>
<main>
<h1>Sign in</h1>
<form id="login-form" aria-label="Sign in" novalidate>
  <label for="username">Username</label>
  <input id="username" name="username" type="text" autocomplete="username" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="{password_type}" autocomplete="current-password" required>
  <p><button id="login-button" type="submit" data-testid="login-submit">Log in</button></p>
</form>
<p id="welcome" role="status"></p>
<p id="error" role="alert"></p>
</main>"""
    style = f"#login-button {{ background: {colour}; color: white; }}"
    return document("Sign in — Demo Shop", body, style=style, script=with_config(config, _SCRIPT))
