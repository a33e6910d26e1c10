"""Files copied into every generated UI suite: conftest.py verbatim, pytest.ini with the page's origin."""
