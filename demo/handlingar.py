"""The handlingar of the demo's ANA meeting (2022-10-12): text files rendered to PDF.

Each file in demo/data/handlingar/ is one handling: a front matter block of `key: value`
lines between `---` lines (which agenda item, its place there, title, kind, layout, date,
registration id, who signed it) and a body in a small Markdown subset:

- `## Heading` and `### Subheading`
- paragraphs, separated by blank lines (their lines are joined)
- bullet lists (lines starting with "• " or "- ") and numbered lists ("1. ")
- tables: lines of `| cell | cell |`, the first row is the header

A handling with `confidential: yes` and `osl: 21 kap. 1 §` is stored as confidential (sekretess);
one with `decision: 2022.12502` is that delegationsbeslut's own document (linked to the
decision, not attached to the item: the item has the register list).

A handling with `paragraph: ANA-P 2022 128` is a protokollsutdrag: its text is that
paragraph as the loader stored it, so the extract and the historical protokoll agree.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import timezone, translation

from meetings.pdf import render_pdf

TEMPLATE = "demo/handling.html"
LAYOUTS = {"tjansteskrivelse", "missiv", "yttrande", "protokollsutdrag", "document"}
REQUIRED = ("item", "order", "title", "kind", "layout")

BULLET = re.compile(r"^(?:•|-)\s+")
NUMBERED = re.compile(r"^(\d+)\.\s+")
SEPARATOR = re.compile(r"^:?-{2,}:?$")


@dataclass
class Signer:
    name: str
    title: str = ""


@dataclass
class HandlingSource:
    """One handling as its data file describes it."""

    file_name: str
    item: int
    order: int
    title: str
    kind: str
    layout: str
    date: date | None = None
    case: str = ""  # "" = the agenda item's case; "none" = no case
    registration_id: str = ""
    addressee: str = ""
    heading: str = ""
    department: str = ""
    sender: str = ""  # an incoming document: who sent it (no organisation header or footer)
    signed: list[Signer] = field(default_factory=list)
    excerpt: bool = False
    paragraph: tuple[str, int, int] | None = None  # committee short name, year, § number
    span: str = ""  # "§§ 123-140": the paragraphs of the protokoll the extract is taken from
    confidential: bool = False  # sekretess: `osl` names the ground ("21 kap. 1 §")
    osl: str = ""
    decision: str = ""  # the registration id of the delegationsbeslut this document is
    blocks: list[dict] = field(default_factory=list)

    @property
    def upload_name(self) -> str:
        return f"{Path(self.file_name).stem}.pdf"


def _front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        raise ImproperlyConfigured(f"{name}: a handling starts with a front matter block (---).")
    head, separator, body = text[4:].partition("\n---\n")
    if not separator:
        raise ImproperlyConfigured(f"{name}: the front matter block is not closed (---).")
    meta = {}
    for line in head.splitlines():
        if line.strip():
            key, colon, value = line.partition(":")
            if not colon:
                raise ImproperlyConfigured(f"{name}: front matter line without a colon: {line!r}.")
            meta[key.strip()] = value.strip()
    return meta, body


def _signers(text: str) -> list[Signer]:
    signers = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _comma, title = part.partition(",")
        signers.append(Signer(name.strip(), title.strip()))
    return signers


def _paragraph_ref(text: str, name: str) -> tuple[str, int, int]:
    parts = text.split()
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise ImproperlyConfigured(f"{name}: paragraph is '<committee> <year> <number>', not {text!r}.")
    return parts[0], int(parts[1]), int(parts[2])


def body_blocks(text: str) -> list[dict]:
    """The body as blocks for the template: heading, paragraph, bullets, numbered, table."""
    blocks: list[dict] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        first = lines[0]
        if first.startswith("### ") or first.startswith("## "):
            level = 3 if first.startswith("### ") else 2
            blocks.append({"type": f"h{level}", "text": first.split(" ", 1)[1].strip()})
            lines = lines[1:]
            if not lines:
                continue
            first = lines[0]
        if first.startswith("|"):
            rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
            rows = [row for row in rows if not all(SEPARATOR.match(cell) for cell in row)]
            header = rows[0] if any(rows[0]) else []  # "| | |": a table without a header row
            blocks.append({"type": "table", "header": header, "rows": rows[1:]})
        elif BULLET.match(first) or NUMBERED.match(first):
            kind = "bullets" if BULLET.match(first) else "numbered"
            pattern = BULLET if kind == "bullets" else NUMBERED
            items: list[str] = []
            start = int(NUMBERED.match(first).group(1)) if kind == "numbered" else 1
            for line in lines:
                if pattern.match(line):
                    items.append(pattern.sub("", line))
                else:  # a wrapped line continues the item
                    items[-1] += " " + line
            previous = blocks[-1] if blocks else None
            if previous and previous["type"] == kind:  # list items separated by blank lines
                previous["items"].extend(items)
            else:
                blocks.append({"type": kind, "items": items, "start": start})
        else:
            blocks.append({"type": "p", "text": " ".join(lines)})
    return blocks


def handling_read(path: Path) -> HandlingSource:
    """Read one handling file; a missing or malformed key is reported with the file's name."""
    name = path.name
    meta, body = _front_matter(path.read_text(encoding="utf-8"), name)
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        raise ImproperlyConfigured(f"{name}: missing {', '.join(missing)} in the front matter.")
    if meta["layout"] not in LAYOUTS:
        raise ImproperlyConfigured(f"{name}: unknown layout {meta['layout']!r}.")
    source = HandlingSource(
        file_name=name,
        item=int(meta["item"]),
        order=int(meta["order"]),
        title=meta["title"],
        kind=meta["kind"],
        layout=meta["layout"],
        date=date.fromisoformat(meta["date"]) if meta.get("date") else None,
        case=meta.get("case", ""),
        registration_id=meta.get("registration_id", ""),
        addressee=meta.get("addressee", ""),
        heading=meta.get("heading", ""),
        department=meta.get("department", ""),
        sender=meta.get("sender", ""),
        signed=_signers(meta.get("signed", "")),
        excerpt=meta.get("excerpt", "").lower() in ("yes", "true"),
        span=meta.get("span", ""),
        confidential=meta.get("confidential", "").lower() in ("yes", "true"),
        osl=meta.get("osl", ""),
        decision=meta.get("decision", ""),
        blocks=body_blocks(body),
    )
    if source.confidential and not source.osl:
        raise ImproperlyConfigured(f"{name}: a confidential handling names its OSL ground (osl:).")
    if meta.get("paragraph"):
        source.paragraph = _paragraph_ref(meta["paragraph"], name)
    if source.layout == "protokollsutdrag" and source.paragraph is None:
        raise ImproperlyConfigured(f"{name}: a protokollsutdrag names its paragraph.")
    return source


def handlingar_read(folder: Path) -> list[HandlingSource]:
    """Every handling of the folder, in agenda item and attachment order."""
    sources = [handling_read(path) for path in sorted(folder.glob("*.md")) if path.name != "README.md"]
    return sorted(sources, key=lambda s: (s.item, s.order, s.file_name))


_rendered: dict[str, bytes] = {}  # sha256 of what is rendered → the PDF


def _lines(text: str) -> list[str]:
    """A plain-text list ("• a\n• b") as its lines, without the bullets."""
    return [BULLET.sub("", line.strip()) for line in text.splitlines() if line.strip()]


def handling_render_pdf(*, source: HandlingSource, organisation, case=None, paragraph=None) -> bytes:
    """The handling as PDF/A, laid out like the region's documents, in the organisation's
    language. The same source gives the same bytes (WeasyPrint's output is deterministic)."""
    lang = settings.LANGUAGE_CODE
    # The department under the organisation's name, unless it is that name again.
    department = "" if source.department.casefold() == organisation.name.casefold() else source.department
    context = {
        "source": source,
        "organisation": organisation,
        "case": case,
        "paragraph": paragraph,
        "meeting": paragraph.meeting if paragraph is not None else None,
        "meeting_start": timezone.localtime(paragraph.meeting.start) if paragraph is not None else None,
        "header_department": department,
        "basis_lines": _lines(paragraph.basis) if paragraph is not None else [],
        "send_to_lines": _lines(paragraph.send_to) if paragraph is not None else [],
    }
    with translation.override(lang):
        # Rendering is deterministic, so a process that loads the demo again (the tests do,
        # many times) reuses the PDF of the same HTML instead of laying it out again.
        html = render_to_string(TEMPLATE, {**context, "document_title": source.title})
        key = hashlib.sha256(f"{lang}\0{source.title}\0{html}".encode()).hexdigest()
        if key not in _rendered:
            _rendered[key] = render_pdf(TEMPLATE, context, title=source.title, lang=lang)
        return _rendered[key]
