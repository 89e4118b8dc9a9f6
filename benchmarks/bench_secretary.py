"""What entering a whole past meeting costs the secretary: page loads and form submits (issue 14).

The figures come from the browser walk tests/test_workspace_walk.py (65 kallade, 8 §§, two
bilagor, four signers), which counts with benchmarks/secretary_cost.py and writes
benchmarks/out/secretary_cost.json; `make test` runs it. This module reports the last counts
against the targets: the attendance of everyone kallade in at most 3 form submits, the whole
meeting in under 60. They are counts, not timings: the machine's load does not change them.
"""

from __future__ import annotations

import json

from secretary_cost import OUT

NOTES = (
    "Counted by the browser walk tests/test_workspace_walk.py (run by `make test`): page loads are "
    "documents the browser navigated to, form submits the POSTs among them, background saves the "
    "POSTs made by the page's scripts (autosave of a §), which the secretary does not press for."
)


def run() -> dict:
    if not OUT.exists():
        return {"missing": f"{OUT} does not exist: run `make test ARGS=tests/test_workspace_walk.py`"}
    counts = json.loads(OUT.read_text())
    attendance = counts["stages"].get("attendance", {})
    total = counts["total"]
    figures = {
        f"{stage}_{key}": value for stage, tally in counts["stages"].items() for key, value in tally.items()
    }
    figures.update({f"total_{key}": value for key, value in total.items()})
    figures["attendance_submits_within_target"] = attendance.get("form_submits", 99) <= 3
    figures["meeting_submits_within_target"] = total["form_submits"] < 60
    return figures
