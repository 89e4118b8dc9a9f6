"""Omröstningar (votes) and reservationer in a paragraph (§).

Who may vote follows närvaro and jäv (`serving_members`). In a tie the ordförande's
casting vote decides (KL 6 kap. 30 § / 5 kap. 57 §), except in elections (val), where
lots decide: the lot's result is an input.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from attendance.models import Ballot, Reservation, Vote
from committees.models import Person
from meetings.models import Paragraph

from .participation import serving_members

RESULTS = (Vote.Result.YES, Vote.Result.NO)


def _tie_result(
    *,
    paragraph: Paragraph,
    is_election: bool,
    ballots: dict,
    lot_result: str | None,
    casting_vote: str | None,
) -> tuple[str, bool, bool]:
    """(result, casting_vote_used, decided_by_lot) for a tied vote."""
    if is_election:
        if lot_result not in RESULTS:
            raise ValidationError(
                _("The election is tied: lots decide. Give the result of the lot."), code="lot_required"
            )
        return lot_result, False, True
    chair = paragraph.meeting.chair
    chair_choice = ballots.get(chair) if chair else None
    if chair_choice in RESULTS:
        return chair_choice, True, False
    if casting_vote in RESULTS:
        return casting_vote, True, False
    raise ValidationError(
        _("The vote is tied: the chair's casting vote decides. Record how the chair voted."),
        code="casting_vote_required",
    )


@transaction.atomic
def vote_record(
    *,
    paragraph: Paragraph,
    proposition_yes: str,
    proposition_no: str,
    kind: str = Vote.Kind.OPEN,
    is_election: bool = False,
    ballots: dict[Person, str] | None = None,
    counts: dict[str, int] | None = None,
    lot_result: str | None = None,
    casting_vote: str | None = None,
) -> Vote:
    """Record an omröstning in a § and compute its result.

    Open votes take `ballots` ({person: "ja" | "nej" | "avstar"}): only members serving in
    the § may vote, each once. Closed votes take `counts` ({"ja": n, "nej": n, "avstar": n}).
    Proposition A (ja) wins with more ja than nej votes; a tie is decided by the chair's
    casting vote (their ja/nej ballot, or `casting_vote` when the chair had none), in
    elections by lot (`lot_result`).
    """
    paragraph = Paragraph.objects.select_related("meeting__chair").get(pk=paragraph.pk)
    proposition_yes, proposition_no = (proposition_yes or "").strip(), (proposition_no or "").strip()
    if not proposition_yes or not proposition_no:
        raise ValidationError(_("Write both propositions (A and B)."), code="propositions_missing")
    ballots = dict(ballots or {})
    if kind == Vote.Kind.OPEN:
        if counts:
            raise ValidationError(_("An open vote is recorded member by member."), code="counts_in_open_vote")
        if not ballots:
            raise ValidationError(_("Record how each member voted."), code="no_ballots")
        allowed = serving_members(paragraph=paragraph)
        for person, choice in ballots.items():
            if person not in allowed:
                raise ValidationError(
                    _("%(person)s does not serve in %(paragraph)s and cannot vote in it."),
                    code="not_serving",
                    params={"person": person.display_name, "paragraph": paragraph.label},
                )
            if choice not in Ballot.Choice.values:
                raise ValidationError(
                    _("Unknown choice %(choice)s for %(person)s."),
                    code="bad_choice",
                    params={"choice": choice, "person": person.display_name},
                )
        tally = {choice: list(ballots.values()).count(choice) for choice in Ballot.Choice.values}
    elif kind == Vote.Kind.CLOSED:
        if ballots:
            raise ValidationError(_("A closed vote records counts only."), code="ballots_in_closed_vote")
        counts = counts or {}
        try:
            tally = {choice: int(counts.get(choice) or 0) for choice in Ballot.Choice.values}
        except (TypeError, ValueError) as error:
            raise ValidationError(_("The counts must be whole numbers."), code="bad_counts") from error
        if any(n < 0 for n in tally.values()) or not (tally["ja"] or tally["nej"]):
            raise ValidationError(_("Give the number of ja and nej votes."), code="bad_counts")
        total = len(serving_members(paragraph=paragraph))
        if total and sum(tally.values()) > total:
            raise ValidationError(
                _("%(votes)d votes counted, but only %(serving)d members serve in this §."),
                code="too_many_votes",
                params={"votes": sum(tally.values()), "serving": total},
            )
    else:
        raise ValidationError(_("Unknown kind of vote."), code="bad_kind")

    casting_vote_used = decided_by_lot = False
    if tally["ja"] > tally["nej"]:
        result = Vote.Result.YES
    elif tally["nej"] > tally["ja"]:
        result = Vote.Result.NO
    else:
        result, casting_vote_used, decided_by_lot = _tie_result(
            paragraph=paragraph,
            is_election=is_election,
            ballots=ballots,
            lot_result=lot_result,
            casting_vote=casting_vote,
        )
    order = (paragraph.votes.aggregate(m=Max("order"))["m"] or 0) + 1
    vote = Vote(
        paragraph=paragraph,
        order=order,
        kind=kind,
        is_election=is_election,
        proposition_yes=proposition_yes,
        proposition_no=proposition_no,
        yes_count=tally["ja"],
        no_count=tally["nej"],
        abstain_count=tally["avstar"],
        result=result,
        casting_vote_used=casting_vote_used,
        decided_by_lot=decided_by_lot,
    )
    vote.full_clean()
    vote.save()
    Ballot.objects.bulk_create(
        [Ballot(vote=vote, person=person, choice=choice) for person, choice in ballots.items()]
    )
    return vote


@transaction.atomic
def reservation_record(*, paragraph: Paragraph, person: Person, text: str = "") -> Reservation:
    """Record a reservation against the decision of a § (KL 4 kap. 27 §).

    Only a member who took part in the decision may reserve, and not one who voted for the
    winning proposition in the § 's last open vote. Recording again updates the written text.
    """
    paragraph = Paragraph.objects.select_related("meeting").get(pk=paragraph.pk)
    if person not in serving_members(paragraph=paragraph):
        raise ValidationError(
            _("%(person)s did not take part in the decision in %(paragraph)s and cannot reserve."),
            code="not_serving",
            params={"person": person.display_name, "paragraph": paragraph.label},
        )
    last_open = paragraph.votes.filter(kind=Vote.Kind.OPEN).order_by("-order", "-pk").first()
    if last_open is not None:
        ballot = last_open.ballots.filter(person=person).first()
        if ballot is not None and ballot.choice == last_open.result:
            raise ValidationError(
                _("%(person)s voted for the proposition that won and cannot reserve against it."),
                code="voted_for_decision",
                params={"person": person.display_name},
            )
    reservation = Reservation.objects.filter(paragraph=paragraph, person=person).first() or Reservation(
        paragraph=paragraph, person=person
    )
    reservation.text = (text or "").strip()
    reservation.full_clean(validate_unique=False, validate_constraints=False)
    reservation.save()
    return reservation
