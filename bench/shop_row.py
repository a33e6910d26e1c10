"""`python -m bench.shop_row [--page P] [--quick]`: the robustness bench's bundled row for one page target.

Runs bench.robustness.measure_row on the page named by --page (default: shop) and prints its figures: texts
covered, buggy variants caught, false alarms, and each uncovered text's reason.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.page_robustness import PAGE_TARGETS
from bench.robustness import BASELINE, bundled_texts, load_corpus, measure_row


def main(argv: list[str] | None = None) -> None:
    """Measure the row and print it."""
    parser = argparse.ArgumentParser(prog="python -m bench.shop_row", description=__doc__)
    parser.add_argument("--page", default="shop", choices=[t.name for t in PAGE_TARGETS])
    parser.add_argument("--quick", action="store_true", help="the quick plan's subset of variants")
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    target = next(t for t in PAGE_TARGETS if t.name == args.page)
    sample = target.load()
    if isinstance(sample, str):
        parser.error(sample)
    root = args.work_dir or Path(tempfile.mkdtemp(prefix="page-row-"))
    texts = bundled_texts(sample, (load_corpus() or {}).get(target.name))
    row = measure_row(target, sample, BASELINE, texts, quick=args.quick, root=root)
    print(f"{target.name}: {row.status}, {row.tests_delivered} tests, generated in {row.generation_s:.1f} s")
    print(f"covered {row.covered}/{len(row.texts)}; buggy caught {row.buggy_caught}/{row.buggy_total}")
    caught = {r.variant for r in row.variants if r.caught}
    print("caught:", ", ".join(sorted(caught)) or "none")
    missed = [r.variant for r in row.variants if r.kind == "buggy" and not r.caught]
    print("missed:", ", ".join(missed) or "none")
    print("false alarms:", ", ".join(row.false_alarms) or "none")
    for text in row.texts:
        mark = "ok " if text.covered else "-- "
        print(f"  {mark}{text.requirement_id} {text.text}: {', '.join(text.tests) or text.reason}")
    print(f"suite and data under {root / target.name / BASELINE}")


if __name__ == "__main__":
    main()
