"""Votes as open data: the voteringar, reservationer and jäv of a published protokoll as CSV
(RFC 4180, UTF-8 with a byte order mark so that spreadsheet programs read å, ä and ö).

The same data as the OParl extension `paragraf:votes` (oparl/votes.py), read through the same
selectors of `portal.published`: open paragraphs of a published protokoll only.

One row per omröstning (typ "omröstning": both propositions, the counts and the outcome),
one per ballot of an open vote (typ "röst": the person, the party, ja/nej/avstår and the
proposition voted for), one per reservation (typ "reservation", with its written reason) and
one per jäv (typ "jäv", with the reason and the ersättare who served instead).
"""

from __future__ import annotations

import csv
import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from attendance.models import Ballot, Vote
from config.downloads import file_response

from ..published import open_paragraphs, paragraph_record_prefetch, published_meetings
from ..votes import OUTCOMES, vote_counts

COLUMNS = [
    "paragraf",
    "rubrik",
    "typ",
    "votering",
    "person",
    "parti",
    "person_id",
    "val",
    "proposition",
    "proposition_a",
    "proposition_b",
    "ja",
    "nej",
    "avstar",
    "utfall",
    "text",
    "ersattare",
]
CHOICE_WORDS = {Ballot.Choice.YES: "ja", Ballot.Choice.NO: "nej", Ballot.Choice.ABSTAIN: "avstår"}


def _person(request, person, public: bool) -> dict:
    return {
        "person": person.full_name,
        "parti": person.party.abbreviation if person.party_id else "",
        "person_id": request.build_absolute_uri(reverse("oparl:person", args=[person.pk])) if public else "",
    }


def vote_record_rows(*, meeting, request) -> list[dict]:
    """The rows of the CSV of a meeting from `published_meetings()`."""
    paragraphs = (
        open_paragraphs()
        .filter(meeting=meeting)
        .prefetch_related(*paragraph_record_prefetch())
        .order_by("order", "number")
    )
    rows = []
    for paragraph in paragraphs:
        base = {"paragraf": f"§ {paragraph.number}", "rubrik": paragraph.title}
        for vote in paragraph.public_votes:
            ballots = vote.public_ballots if vote.kind == Vote.Kind.OPEN else []
            counts = vote_counts(vote, ballots)
            rows.append(
                {
                    **base,
                    "typ": "omröstning" if vote.kind == Vote.Kind.OPEN else "sluten omröstning",
                    "votering": vote.order,
                    "proposition_a": vote.proposition_yes,
                    "proposition_b": vote.proposition_no,
                    "ja": counts["yes"],
                    "nej": counts["no"],
                    "avstar": counts["abstain"],
                    "utfall": OUTCOMES.get(vote.result, ""),
                }
            )
            for ballot in ballots:
                proposition = {Ballot.Choice.YES: "A", Ballot.Choice.NO: "B"}.get(ballot.choice, "")
                rows.append(
                    {
                        **base,
                        "typ": "röst",
                        "votering": vote.order,
                        **_person(request, ballot.person, ballot.person_public),
                        "val": CHOICE_WORDS[ballot.choice],
                        "proposition": proposition,
                    }
                )
        for reservation in paragraph.public_reservations:
            rows.append(
                {
                    **base,
                    "typ": "reservation",
                    **_person(request, reservation.person, reservation.person_public),
                    "text": reservation.text,
                }
            )
        for disqualification in paragraph.public_disqualifications:
            substitute = disqualification.substitute
            rows.append(
                {
                    **base,
                    "typ": "jäv",
                    **_person(request, disqualification.person, disqualification.person_public),
                    "text": disqualification.reason,
                    "ersattare": substitute.full_name if substitute else "",
                }
            )
    return rows


@require_safe
def protokoll_votes_csv(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(published_meetings(), pk=pk)
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(vote_record_rows(meeting=meeting, request=request))
    name = f"voteringar-{meeting.committee.short_name}-{timezone.localtime(meeting.start):%Y-%m-%d}.csv"
    return file_response(
        output.getvalue().encode("utf-8-sig"),
        filename=name,
        content_type="text/csv; charset=utf-8; header=present",
    )
