"""What the benchmarks share on the way out: PASS/FAIL cells for rich tables, and the JSON files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.text import Text

COMBINED_NAME = "latest"


def verdict(met: bool | None) -> Text:
    """A target's status: green PASS, red FAIL, or a dim n/a when it does not apply to this run."""
    if met is None:
        return Text("n/a", style="dim")
    return Text("PASS", style="bold green") if met else Text("FAIL", style="bold red")


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def machine() -> dict[str, Any]:
    """Where the figures come from: they mean little without the core count and versions."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent, timeout=10, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout
        commit = ""
    return {
        "cpu_count": os.cpu_count(),
        "load_average": [round(load, 2) for load in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": commit or None,
    }


def write_results(out_dir: Path, results: dict[str, BaseModel], meta: dict[str, Any]) -> list[Path]:
    """<name>.json per benchmark plus latest.json combining this invocation's results."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), **meta}
    written = []
    combined: dict[str, Any] = {"meta": stamp}
    for name, result in results.items():
        data = result.model_dump(mode="json")
        combined[name] = data
        written.append(_dump(out_dir / f"{name}.json", {"meta": stamp, name: data}))
    written.append(_dump(out_dir / f"{COMBINED_NAME}.json", combined))
    return written


def _dump(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path
