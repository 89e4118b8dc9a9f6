"""What entering a meeting costs the secretary in the browser: page loads and form submits.

`ActionCounter(page)` listens to a Playwright page: every request for a document (a page the
browser navigates to, by link or by a form) is a page load; a document request with POST is a
form submit; a POST made by the page's scripts (autosave, drag-and-drop order) is a background
save, counted apart because the secretary does not press anything for it. The workspace walk in
tests/test_workspace_walk.py counts with it and writes what it counted to
benchmarks/out/secretary_cost.json; bench_secretary.py reports the figures against the targets
of issue 14 (attendance of 67 people in at most 3 submits, a whole meeting in under 60).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "secretary_cost.json"


@dataclass
class Tally:
    page_loads: int = 0
    form_submits: int = 0
    background_saves: int = 0


@dataclass
class ActionCounter:
    """Counts per named stage of the walk (`counter.stage("attendance")`)."""

    page: object
    stages: dict[str, Tally] = field(default_factory=dict)
    current: str = "start"

    def __post_init__(self):
        self.stages[self.current] = Tally()
        self.page.on("request", self._on_request)

    def stage(self, name: str) -> None:
        self.current = name
        self.stages.setdefault(name, Tally())

    def _on_request(self, request) -> None:
        tally = self.stages[self.current]
        if request.resource_type == "document":
            tally.page_loads += 1
            if request.method == "POST":
                tally.form_submits += 1
        elif request.resource_type in ("fetch", "xhr") and request.method == "POST":
            tally.background_saves += 1

    def total(self) -> Tally:
        total = Tally()
        for tally in self.stages.values():
            total.page_loads += tally.page_loads
            total.form_submits += tally.form_submits
            total.background_saves += tally.background_saves
        return total

    def as_dict(self) -> dict:
        return {"stages": {k: asdict(v) for k, v in self.stages.items()}, "total": asdict(self.total())}

    def write(self, path: Path = OUT, **extra) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**self.as_dict(), **extra}, indent=1, ensure_ascii=False))
