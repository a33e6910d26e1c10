"""`python -m samples.pages --port 8080 [--variant login=password_visible]`: serve the sample pages."""

from __future__ import annotations

import argparse
import time

from samples.pages.catalog import VARIANTS
from samples.pages.server import serve_pages


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m samples.pages", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--variant", action="append", default=[], metavar="PAGE=VARIANT")
    args = parser.parse_args(argv)
    try:
        variants = dict(item.split("=", 1) for item in args.variant)
    except ValueError:
        parser.error("--variant takes PAGE=VARIANT, e.g. login=password_visible")
    try:
        with serve_pages(variants, host=args.host, port=args.port, quiet=False) as base_url:
            print(f"serving sample pages at {base_url}/ ({', '.join(VARIANTS)}); Ctrl-C stops", flush=True)
            while True:
                time.sleep(3600)
    except ValueError as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
