"""The product search sample page: a name filter, a category filter and a details page per product."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from samples.pages.layout import document, with_config
from samples.pages.requirements import SEARCH
from samples.pages.variant import CORRECT, PageVariant

PAGE = "search"


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    category: str
    price: str


PRODUCTS: tuple[Product, ...] = (
    Product(1, "Desk Lamp", "Home", "24.90"),
    Product(2, "Floor Lamp", "Home", "79.00"),
    Product(3, "Coffee Mug", "Kitchen", "8.50"),
    Product(4, "Chef Knife", "Kitchen", "45.00"),
    Product(5, "The Pragmatic Programmer", "Books", "39.99"),
    Product(6, "Clean Code", "Books", "34.50"),
    Product(7, "Wireless Mouse", "Electronics", "19.99"),
    Product(8, "USB-C Cable", "Electronics", "9.99"),
)
CATEGORIES: tuple[str, ...] = ("Home", "Kitchen", "Books", "Electronics")

VARIANTS: tuple[PageVariant, ...] = (
    PageVariant(PAGE, CORRECT, "correct", "Works as the requirements say."),
    PageVariant(PAGE, "case_sensitive_search", "buggy", 'Searching "lamp" misses "Desk Lamp".', (SEARCH[0],)),
    PageVariant(
        PAGE, "search_not_filtering", "buggy", "The search box filters nothing.", (SEARCH[0], SEARCH[1])
    ),
    PageVariant(PAGE, "no_results_missing", "buggy", '"No results" is never shown.', (SEARCH[1],)),
    PageVariant(
        PAGE, "category_filter_ignored", "buggy", "The category select filters nothing.", (SEARCH[2],)
    ),
    PageVariant(PAGE, "details_link_404", "buggy", "Details links point to a missing page.", (SEARCH[3],)),
    PageVariant(PAGE, "recoloured", "harmless", "Product names are teal instead of dark grey."),
)

_SCRIPT = """
const query = document.getElementById("search");
const category = document.getElementById("category");
const rows = Array.from(document.querySelectorAll("#products li"));
const noResults = document.getElementById("no-results");
function matchesQuery(name, text) {
  if (CONFIG.ignoreQuery) return true;
  if (CONFIG.caseSensitive) return name.includes(text);
  return name.toLowerCase().includes(text.toLowerCase());
}
function applyFilters() {
  const text = query.value.trim();
  let shown = 0;
  for (const row of rows) {
    const name = row.querySelector(".name").textContent;
    const inCategory = CONFIG.ignoreCategory || !category.value || row.dataset.category === category.value;
    row.hidden = !(matchesQuery(name, text) && inCategory);
    if (!row.hidden) shown += 1;
  }
  noResults.hidden = CONFIG.hideNoResults || shown > 0;
}
query.addEventListener("input", applyFilters);
category.addEventListener("change", applyFilters);
"""


def product_path(product: Product, variant: str = CORRECT) -> str:
    """Where a product's Details link points (a missing page in the details_link_404 variant)."""
    return f"/product/{product.id}" if variant == "details_link_404" else f"/products/{product.id}"


def render(variant: str = CORRECT) -> str:
    """The search page HTML for one variant."""
    colour = "#0f766e" if variant == "recoloured" else "#1f2937"
    config = {
        "ignoreQuery": variant == "search_not_filtering",
        "caseSensitive": variant == "case_sensitive_search",
        "hideNoResults": variant == "no_results_missing",
        "ignoreCategory": variant == "category_filter_ignored",
    }
    options = "".join(f'<option value="{c}">{c}</option>' for c in CATEGORIES)
    rows = "\n".join(
        f'  <li data-category="{p.category}"><span class="name">{escape(p.name)}</span>'
        f' <span class="category">{p.category}</span> <span class="price">${p.price}</span>'
        f' <a href="{product_path(p, variant)}">Details</a></li>'
        for p in PRODUCTS
    )
    body = f"""<main>
<h1>Products</h1>
<div role="search">
  <label for="search">Search</label>
  <input id="search" name="q" type="search" placeholder="Search products" autocomplete="off">
  <label for="category">Category</label>
  <select id="category" name="category"><option value="">All</option>{options}</select>
</div>
<ul id="products" aria-label="Products">
{rows}
</ul>
<p id="no-results" hidden>No results</p>
</main>"""
    style = f".name {{ font-weight: 600; color: {colour}; }}"
    return document("Products — Demo Shop", body, style=style, script=with_config(config, _SCRIPT))


def render_product(product_id: int) -> str | None:
    """The details page of one product, or None when there is no such product."""
    product = next((p for p in PRODUCTS if p.id == product_id), None)
    if product is None:
        return None
    body = f"""<main>
<h1>{escape(product.name)}</h1>
<p>Category: {product.category}</p>
<p>Price: ${product.price}</p>
<p><a href="/search">Back to products</a></p>
</main>"""
    return document(f"{product.name} — Demo Shop", body)
