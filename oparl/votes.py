"""The vendor extension `paragraf:votes` on an open AgendaItem (a § of a published protokoll):
how the decision was reached, as the public protokoll prints it. OParl 1.1 has no object for
votes (OParl spec issues #48 and #171); vendor properties with a prefix are allowed, and the
project names them `paragraf:…` (see `paragraf:party` on Person).

The JSON Schema is oparl/schema/paragraf-votes.json (documented in docs/open-data.md). The
data comes only from the selectors of `portal.published` (`paragraph_record_prefetch`), so a
confidential § or an unpublished protokoll has none, whatever rows it holds; the counts and
the outcome are read as the votes CSV reads them (`portal.votes`).
"""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.utils.html import strip_tags

from attendance.models import Vote
from portal.published import paragraph_record_prefetch
from portal.votes import CHOICES, OUTCOMES, vote_counts

from .text import plain_text

EXTENSION = "paragraf:votes"
SCHEMA_PATH = "oparl/schema/paragraf-votes.json"


def _text(rich_text: str) -> str:
    return plain_text(rich_text) if strip_tags(rich_text or "").strip() else ""


def _person(person, *, public: bool, links) -> dict:
    """Name and party; the OParl Person's id when the person is a published one."""
    data = {"name": person.full_name}
    if public:
        data["person"] = links.api("person", person.pk)
    if person.party_id:
        data["party"] = person.party.abbreviation
    return data


def _vote(vote: Vote, links) -> dict:
    is_open = vote.kind == Vote.Kind.OPEN
    ballots = vote.public_ballots if is_open else []
    data = {
        "order": vote.order,
        "kind": vote.kind,
        "election": vote.is_election,
        "propositions": [
            {"label": "A", "choice": "yes", "text": vote.proposition_yes},
            {"label": "B", "choice": "no", "text": vote.proposition_no},
        ],
        "counts": vote_counts(vote, ballots),
        "castingVote": vote.casting_vote_used,
        "decidedByLot": vote.decided_by_lot,
    }
    if vote.result in OUTCOMES:
        data["outcome"] = OUTCOMES[vote.result]
    if is_open:
        data["ballots"] = [
            {**_person(b.person, public=b.person_public, links=links), "choice": CHOICES[b.choice]}
            for b in ballots
        ]
    return data


def paragraph_record(paragraph, public, links) -> dict:
    """The extension's object for a § from `portal.published`, `public` its
    `public_paragraph()` (whose texts are empty for a confidential §). Empty when the § has
    nothing to tell: no vote, reservation, jäv, yrkanden, beslutsgång or protokollsanteckning."""
    if not hasattr(paragraph, "public_votes"):
        prefetch_related_objects([paragraph], *paragraph_record_prefetch())
    record = {
        "votes": [_vote(vote, links) for vote in paragraph.public_votes],
        "reservations": [
            {
                **_person(r.person, public=r.person_public, links=links),
                **({"text": r.text} if r.text else {}),
            }
            for r in paragraph.public_reservations
        ],
        "disqualifications": [
            {
                **_person(d.person, public=d.person_public, links=links),
                **({"reason": d.reason} if d.reason else {}),
                **(
                    {"substitute": _person(d.substitute, public=d.substitute_public, links=links)}
                    if d.substitute_id
                    else {}
                ),
            }
            for d in paragraph.public_disqualifications
        ],
        "motions": _text(public.motions),
        "procedure": _text(public.procedure),
        "notes": _text(public.notes),
    }
    return {key: value for key, value in record.items() if value}


def agenda_item_extension(paragraph, public, links) -> dict:
    """{"paragraf:votes": {...}} for an open § (`public` = its `public_paragraph()`), else {}."""
    if public.confidential:
        return {}
    record = paragraph_record(paragraph, public, links)
    return {EXTENSION: record} if record else {}
