"""`python -m bench`: run the benchmarks, print their tables, write JSON to bench/results/.

`--quick` is a short run (small sizes, a subset of variants, one corpus style and one page, few Schemathesis
examples); `--only NAME`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console

from bench import llm, mutation, pipeline, robustness, schemathesis_compare, soak, ui
from bench.report import machine, write_results

# In run order: the Schemathesis comparison reuses the mutation benchmark's results when both run, and the
# robustness benchmark reuses the Schemathesis runs.
BENCHMARKS: dict[str, ModuleType] = {
    m.NAME: m for m in (pipeline, mutation, schemathesis_compare, robustness, ui, soak, llm)
}
DEFAULT_OUT = Path(__file__).resolve().parent / "results"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="TestOps Copilot benchmarks.")
    parser.add_argument("--quick", action="store_true", help="a small run that finishes in under a minute")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these: {', '.join(BENCHMARKS)} (repeat or comma-separate)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON folder (default {DEFAULT_OUT})")
    parser.add_argument("--keep-work", action="store_true",
                        help="keep the scratch folder (specs, databases, suites) and print its path")
    args = parser.parse_args(argv)
    names = [name.strip() for item in args.only for name in item.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    args.only = [name for name in BENCHMARKS if name in names] if names else list(BENCHMARKS)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks in order; a crash in one is reported and the others still run."""
    args = parse_args(argv)
    # Piped output (CI logs, a test's capture) would default to 80 columns and squeeze the tables.
    console = Console() if sys.stdout.isatty() else Console(width=150)
    work_dir = Path(tempfile.mkdtemp(prefix="testops-bench-"))
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    durations: dict[str, float] = {}
    try:
        for name in args.only:
            console.rule(f"[bold]{name}[/]" + (" (quick)" if args.quick else ""))
            started = time.perf_counter()
            try:
                results[name] = BENCHMARKS[name].run(quick=args.quick, work_dir=work_dir, earlier=results)
            except Exception as error:  # noqa: BLE001 - one benchmark's crash must not hide the others' figures
                errors[name] = f"{type(error).__name__}: {error}"
                console.print(f"[bold red]{name} failed:[/] {errors[name]}")
                console.print(traceback.format_exc(), style="dim", highlight=False)
                continue
            finally:
                durations[name] = round(time.perf_counter() - started, 2)
            for renderable in BENCHMARKS[name].render(results[name]):
                console.print(renderable)
            console.print(f"[dim]{name}: {durations[name]:.1f} s[/]")
    finally:
        if args.keep_work:
            console.print(f"scratch kept in {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)
    meta = {"quick": args.quick, "only": args.only, "durations_s": durations, "errors": errors, **machine()}
    written = write_results(args.out, results, meta)
    console.print(f"wrote {', '.join(str(path) for path in written)}", highlight=False)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
