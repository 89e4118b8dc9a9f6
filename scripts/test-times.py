"""How long each test file took, from a pytest run's JUnit XML (scripts/test-services.sh writes
.local/test-results.xml): prints the files by time and, with --write, stores the figures in
tests/durations.json, which orders the files for pytest-xdist (tests/conftest.py).

    .venv/bin/python scripts/test-times.py [--write] [.local/test-results.xml]
"""

import json
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / "tests" / "durations.json"


def file_seconds(xml_path: Path) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for case in ET.parse(xml_path).iter("testcase"):
        # classname is "tests.test_x" or "tests.test_x.TestClass"; the file is the module.
        parts = case.get("classname", "").split(".")
        module = next((i for i, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1)
        name = "/".join(parts[: module + 1]) + ".py"
        totals[name] += float(case.get("time") or 0)
    return dict(totals)


def main(argv: list[str]) -> int:
    write = "--write" in argv
    paths = [a for a in argv if not a.startswith("--")]
    xml_path = Path(paths[0]) if paths else ROOT / ".local" / "test-results.xml"
    if not xml_path.exists():
        print(f"error: {xml_path} does not exist: run make test first", file=sys.stderr)
        return 1
    totals = file_seconds(xml_path)
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    total = sum(totals.values())
    print(f"{len(ordered)} files, {total:.0f} s of tests in all")
    for name, seconds in ordered[:40]:
        print(f"{seconds:8.1f} s  {100 * seconds / total:4.1f} %  {name}")
    if write:
        DURATIONS.write_text(json.dumps({n: round(s, 1) for n, s in ordered}, indent=1) + "\n")
        print(f"written: {DURATIONS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
