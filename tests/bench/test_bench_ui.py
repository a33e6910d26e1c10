"""The UI benchmark end to end in its quick form: one sample page, a real Chromium, the JSON it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_quick_ui_benchmark_writes_its_json(tmp_path: Path) -> None:
    # About 30 s on an idle 2-core machine; the limit leaves room for a busy one.
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", "ui", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert {p.name for p in tmp_path.iterdir()} == {"ui.json", "latest.json"}
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert set(latest) == {"meta", "ui"} and latest["meta"]["quick"] is True
    ui = latest["ui"]
    assert {"validation_workers", "target", "load_before", "browser_start_s", "pages", "target_run",
            "profile"} <= set(ui)  # fmt: skip
    assert ui["browser_start_s"] > 0 and ui["target_run"] is None and ui["profile"] is None
    [page] = ui["pages"]
    assert page["page"] == "login" and page["requirements"] == page["requirements_covered"] == 4
    assert {"recon_s", "generation_s", "tests_generated", "interactions", "validation", "warm", "cold",
            "rss"} <= set(page)  # fmt: skip
    assert page["validation"] is None and page["cold"] is None  # full runs only
    warm = page["warm"]
    assert {"wall_s", "cpu_s", "node_s", "overhead_s", "validation_passes", "passed", "flaky", "broken",
            "findings", "saved"} <= set(warm)  # fmt: skip
    assert warm["browser"] == "warm" and warm["status"] == "completed" and warm["tests_generated"] > 0
    # The correct login page: every generated test passes twice and is stored.
    assert warm["passed"] == warm["saved"] == warm["tests_generated"]
    assert warm["broken"] == warm["findings"] == warm["flaky"] == 0
    assert set(warm["node_s"]) >= {"reconnaissance", "generation", "validation", "persistence"}
    assert page["rss"]["tree_peak_mb"] is None or page["rss"]["tree_peak_mb"] > 0
    assert json.loads((tmp_path / "ui.json").read_text())["ui"] == ui
