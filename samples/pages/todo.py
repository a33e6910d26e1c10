"""The to-do sample page: add items, delete them, and a counter of how many there are."""

from __future__ import annotations

from samples.pages.layout import document, with_config
from samples.pages.requirements import TODO
from samples.pages.variant import CORRECT, PageVariant

PAGE = "todo"

VARIANTS: tuple[PageVariant, ...] = (
    PageVariant(PAGE, CORRECT, "correct", "Works as the requirements say."),
    PageVariant(
        PAGE, "add_replaces_list", "buggy", "Adding an item replaces the whole list.", (TODO[1], TODO[2])
    ),
    PageVariant(PAGE, "count_not_updated", "buggy", 'The counter stays at "0 items".', (TODO[1],)),
    PageVariant(
        PAGE, "delete_removes_wrong_item", "buggy", "Delete removes a neighbouring item.", (TODO[2],)
    ),
    PageVariant(PAGE, "delete_does_nothing", "buggy", "Delete buttons do nothing.", (TODO[2],)),
    PageVariant(PAGE, "empty_item_added", "buggy", "An empty input adds a blank item.", (TODO[3],)),
    PageVariant(PAGE, "recoloured", "harmless", "The Add button is purple instead of blue."),
)

_SCRIPT = """
const form = document.getElementById("add-form");
const input = document.getElementById("new-item");
const list = document.getElementById("items");
const counter = document.getElementById("counter");
let items = [];
function countText(n) { return n + (n === 1 ? " item" : " items"); }
function render() {
  list.replaceChildren();
  items.forEach((text, index) => {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = text;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Delete";
    remove.addEventListener("click", () => removeAt(index));
    li.append(label, " ", remove);
    list.append(li);
  });
  if (!CONFIG.countFrozen) counter.textContent = countText(items.length);
}
function removeAt(index) {
  if (CONFIG.deleteNothing) return;
  if (CONFIG.deleteNeighbour) {
    // the planted bug: remove the next item (or the previous one when the last is clicked)
    if (items.length < 2) return;
    index = index + 1 < items.length ? index + 1 : index - 1;
  }
  items.splice(index, 1);
  render();
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text && !CONFIG.allowEmpty) return;
  if (CONFIG.replaceList) items = [text]; else items.push(text);
  input.value = "";
  render();
});
render();
"""


def render(variant: str = CORRECT) -> str:
    """The to-do page HTML for one variant."""
    colour = "#7c3aed" if variant == "recoloured" else "#2563eb"
    config = {
        "replaceList": variant == "add_replaces_list",
        "countFrozen": variant == "count_not_updated",
        "deleteNeighbour": variant == "delete_removes_wrong_item",
        "deleteNothing": variant == "delete_does_nothing",
        "allowEmpty": variant == "empty_item_added",
    }
    body = """<main>
<h1>To-do list</h1>
<form id="add-form" aria-label="Add item">
  <label for="new-item">New item</label>
  <input id="new-item" name="item" type="text" placeholder="What needs doing?" autocomplete="off">
  <button type="submit">Add</button>
</form>
<ul id="items" aria-label="Items"></ul>
<p id="counter" data-testid="counter">0 items</p>
</main>"""
    style = f"#add-form button {{ background: {colour}; color: white; }}"
    return document("To-do list", body, style=style, script=with_config(config, _SCRIPT))
