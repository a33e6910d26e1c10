"""A live view of the graph's nodes as they start and finish; plain lines when not on a terminal."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from graph.runner import NodeEvent


def _counts(event: NodeEvent) -> str:
    counts: dict[str, int | str] = dict(event.counts)
    if "requirements total" in counts:  # as covered/total, like the result table
        covered = counts.pop("requirements covered", 0)
        counts["requirements covered"] = f"{covered}/{counts.pop('requirements total')}"
    return ", ".join(f"{k} {v}" for k, v in counts.items())


class NodeProgress:
    """Context manager whose `update` takes NodeEvents from the runner."""

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self.live = enabled and console.is_terminal
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> NodeProgress:
        if self.live:
            self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.live:
            self.progress.stop()

    def update(self, event: NodeEvent) -> None:
        if not self.enabled:
            return
        if not self.live:
            # Plain, greppable lines for logs and CI.
            detail = (
                f" {event.duration_s:.2f}s {_counts(event)}".rstrip() if event.event == "finished" else ""
            )
            self.console.print(f"{event.event} {event.node}{detail}", highlight=False)
            return
        if event.event == "started":
            self.tasks[event.node] = self.progress.add_task(f"[cyan]{event.node}[/]", total=None)
        elif event.node in self.tasks:
            label = {"finished": "[green]✓[/]", "failed": "[red]✗[/]"}.get(event.event, "[yellow]⏸[/]")
            self.progress.update(
                self.tasks.pop(event.node),
                total=1,
                completed=1,
                description=f"{label} {event.node}  [dim]{_counts(event)}[/]",
            )
