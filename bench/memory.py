"""Peak resident memory of this process and everything it starts (pytest workers, their children).

psutil is not a dependency, so a thread polls /proc: the sum of RSS over the live process tree. getrusage
adds the kernel's own high-water marks (this process; the largest waited-for descendant).
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel

_PROC = Path("/proc")
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MB = 1024 * 1024


class RssPeaks(BaseModel):
    """Peak memory in MB: the polled process tree, and the kernel's per-process high-water marks."""

    tree_peak_mb: float | None  # None where /proc is missing
    self_maxrss_mb: float  # ru_maxrss of this process over its whole life so far
    children_maxrss_mb: float  # ru_maxrss of the largest descendant waited for so far


def process_stats() -> dict[int, list[str]]:
    """For every live process, the /proc/PID/stat fields after its command name (0: state, 1: parent pid)."""
    stats: dict[int, list[str]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name in parentheses may hold spaces; the fields after its last ")" are fixed.
        stats[int(entry.name)] = stat.rsplit(")", 1)[1].split()
    return stats


def tree_pids(root: int, stats: dict[int, list[str]]) -> list[int]:
    """`root` and all its live descendants."""
    children: dict[int, list[int]] = {}
    for pid, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(pid)
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending += children.get(pid, [])
    return found


def _rss_bytes(pid: int) -> int:
    try:
        return int((_PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_bytes(root: int) -> int:
    """Current RSS of `root` plus all its live descendants."""
    return sum(_rss_bytes(pid) for pid in tree_pids(root, process_stats()))


class PeakRssMonitor:
    """Context manager: polls the process tree's RSS on a thread and keeps the peak."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="rss-monitor", daemon=True)
        self._available = (_PROC / str(os.getpid()) / "statm").exists()
        self._peak = 0

    def __enter__(self) -> PeakRssMonitor:
        if self._available:
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _poll(self) -> None:
        while True:
            self._peak = max(self._peak, tree_rss_bytes(os.getpid()))
            if self._stop.wait(self._interval_s):
                return

    def peaks(self) -> RssPeaks:
        # ru_maxrss is in kilobytes on Linux.
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        tree = round(self._peak / _MB, 1) if self._available else None
        return RssPeaks(tree_peak_mb=tree, self_maxrss_mb=round(own, 1),
                        children_maxrss_mb=round(children, 1))
