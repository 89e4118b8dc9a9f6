"""What a protokoll and a protokollsutdrag say: the context their templates render.

`protokoll_context` is the only place that decides what a protokoll shows, including what the
public version leaves out; `protokollsutdrag_context` does the same for one §. The rendering
(templates/meetings/protokoll/, one print stylesheet, PDF/A) is in meetings/protokoll/document.py.

Longer than 400 lines on purpose: what the protokoll shows and what its public version withholds
must be decided in one module (närvaro and the närvarolista in the seeds' form, bilagor, votes,
signers), so that nothing public can be decided elsewhere.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import pgettext

from attendance.models import Attendance, Ballot, Disqualification, Reservation, Vote
from committees.models import Assignment
from meetings.models import Meeting, Paragraph, Signature, paragraph_span
from meetings.protokoll.annexes import document_is_mergeable, meeting_annexes

# The reserved box for one digital signature (what pyHanko's visible signature fills).
SIGNATURE_BOX_MM = (72, 16)
MM_TO_PT = 72 / 25.4
# Field name of the secretary's certification (Bestyrkande) in a protokollsutdrag.
BESTYRKANDE_FIELD = "bestyrkande"

# The order the justering block prints its signers in, as the seeds do.
SIGNER_ROLE_ORDER = [Signature.Role.SECRETARY, Signature.Role.CHAIR, Signature.Role.ADJUSTER]


# --- Context ---------------------------------------------------------------------------------


def _document_language() -> str:
    """Protokoll are documents of record in the organisation's language, whoever renders them."""
    return settings.LANGUAGE_CODE.split("-")[0]


def _signer_label(role: str) -> str:
    return {
        Signature.Role.SECRETARY: pgettext("protokoll", "Secretary"),
        Signature.Role.CHAIR: pgettext("protokoll", "Chair"),
        Signature.Role.ADJUSTER: pgettext("protokoll", "Adjuster"),
    }[role]


def _signers(meeting: Meeting) -> list[dict]:
    """The justering block's rows: role, name with party, and the id of the reserved box.

    From the justering's Signature rows; while none are chosen, the meeting's secretary and
    chair, and an empty justerare row, so the draft shows where the names will go.
    """
    justering = getattr(meeting, "justering", None)  # None until signers are chosen
    signatures = []
    if justering is not None:
        signatures = sorted(
            justering.signatures.select_related("person__party").all(),
            key=lambda s: (SIGNER_ROLE_ORDER.index(s.role), s.order, s.pk),
        )
    if signatures:
        rows, previous_role = [], None
        for signature in signatures:
            rows.append(
                {
                    "label": _signer_label(signature.role) if signature.role != previous_role else "",
                    "role": signature.role,
                    "name": signature.person.display_name,
                    "person": signature.person,
                    "box_id": f"signature-{signature.pk}",
                    "field_name": f"signature-{signature.pk}",
                    "signed_at": signature.signed_at,
                }
            )
            previous_role = signature.role
        return rows
    rows = []
    for role, person in (
        (Signature.Role.SECRETARY, meeting.secretary),
        (Signature.Role.CHAIR, meeting.chair),
        (Signature.Role.ADJUSTER, None),
    ):
        rows.append(
            {
                "label": _signer_label(role),
                "role": role,
                "name": person.display_name if person else "",
                "person": person,
                "box_id": f"signer-{role}",
                "field_name": "",
                "signed_at": None,
            }
        )
    return rows


def _paragraph_range(attendance: Attendance) -> str:
    """ "§§ 3–11" when someone took part only in some paragraphs."""
    first, last = attendance.from_paragraph, attendance.to_paragraph
    if first and last:
        return paragraph_span(range(first.number, last.number + 1))
    if first:
        return pgettext("protokoll", "from § %(number)s") % {"number": first.number}
    if last:
        return pgettext("protokoll", "until § %(number)s") % {"number": last.number}
    return ""


def _clock(time) -> str:
    """ "kl. 09:00" in Swedish."""
    return pgettext("protokoll", "at %(time)s") % {"time": time}


def _attendance_note(attendance: Attendance) -> str:
    parts = [_paragraph_range(attendance)]
    if attendance.arrived_at and attendance.left_at:
        parts.append(_clock(f"{attendance.arrived_at:%H:%M}–{attendance.left_at:%H:%M}"))
    elif attendance.arrived_at:
        parts.append(
            pgettext("protokoll", "from %(time)s") % {"time": _clock(f"{attendance.arrived_at:%H:%M}")}
        )
    elif attendance.left_at:
        parts.append(
            pgettext("protokoll", "until %(time)s") % {"time": _clock(f"{attendance.left_at:%H:%M}")}
        )
    parts.append(attendance.note)
    return ", ".join(part for part in parts if part)


def _attendance(meeting: Meeting, attendances: list[Attendance]) -> dict:
    """Närvarande as the protokoll lists it: ledamöter (party, role), tjänstgörande ersättare
    ("för X"), ersättare who were present without serving, and övriga närvarande."""
    on = timezone.localtime(meeting.start).date()
    assignments = {}
    for assignment in Assignment.objects.filter(committee_id=meeting.committee_id).current(on):
        # Keep the most significant role per person: the lowest list order wins.
        current = assignments.get(assignment.person_id)
        if current is None or (assignment.order, assignment.pk) < (current.order, current.pk):
            assignments[assignment.person_id] = assignment

    def sort_key(attendance):
        assignment = assignments.get(attendance.person_id)
        chair_first = 0 if attendance.person_id == meeting.chair_id else 1
        order = assignment.order if assignment else 10_000
        return (chair_first, order, attendance.person.last_name, attendance.person.first_name)

    members, serving_substitutes, substitutes, others = [], [], [], []
    for attendance in sorted(attendances, key=sort_key):
        if attendance.status != Attendance.Status.PRESENT:
            continue
        assignment = assignments.get(attendance.person_id)
        role = ""
        if attendance.person_id == meeting.chair_id:
            role = Assignment.Role.CHAIR.label
        elif (
            assignment
            and assignment.role in Assignment.MEMBER_ROLES
            and assignment.role != Assignment.Role.MEMBER
        ):
            role = assignment.get_role_display()
        row = {
            "name": attendance.person.display_name,
            "role": str(role),
            "replaces": attendance.replaces.display_name if attendance.replaces_id else "",
            "title": (assignment.title if assignment and assignment.title else "") or attendance.person.title,
            "represents": attendance.person.represents,
            "note": _attendance_note(attendance),
        }
        if attendance.capacity == Attendance.Capacity.MEMBER:
            members.append(row)
        elif attendance.capacity == Attendance.Capacity.SUBSTITUTE:
            (serving_substitutes if attendance.serving or attendance.replaces_id else substitutes).append(row)
        else:
            others.append(row)
    return {
        "members": members,
        "serving_substitutes": serving_substitutes,
        "substitutes": substitutes,
        "others": others,
        "any": bool(members or serving_substitutes or substitutes or others),
    }


def _collation_key(text: str) -> str:
    """Swedish alphabetical order for names: å, ä, ö after z (in that order)."""
    return text.lower().translate(str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"}))


def _kallade_assignments(meeting: Meeting) -> dict:
    """person id → the person's most significant current assignment in the committee (every
    holder of a current assignment is kallad: ledamöter, ersättare, tjänstepersoner…)."""
    on = timezone.localtime(meeting.start).date()
    assignments = {}
    queryset = (
        Assignment.objects.filter(committee_id=meeting.committee_id)
        .current(on)
        .select_related("person__party")
    )
    for assignment in queryset:
        current = assignments.get(assignment.person_id)
        if current is None or (assignment.order, assignment.pk) < (current.order, current.pk):
            assignments[assignment.person_id] = assignment
    return assignments


def _annex(meeting: Meeting, attendances: list[Attendance]) -> list[dict]:
    """The närvarolista in the seeds' form: everyone kallad (every holder of a current
    assignment in the committee) and everyone else on the attendance list, grouped by the
    organisation they represent, X for those present; a tjänstgörande ersättare shows whom
    she replaces. An organisation whose people were all absent is listed too. The
    organisations in alphabetical order, the committee's own organisation last (as the seeds
    do); within one, in the committee's list order."""
    assignments = _kallade_assignments(meeting)
    by_person = {attendance.person_id: attendance for attendance in attendances}
    people = {a.person_id: a.person for a in attendances}
    for person_id, assignment in assignments.items():
        people.setdefault(person_id, assignment.person)
    host = meeting.committee.organisation.name

    def organisation(person) -> str:
        return (person.represents or "").strip() or host

    def sort_key(person):
        name = organisation(person)
        assignment = assignments.get(person.pk)
        order = assignment.order if assignment else 10_000
        return (
            name == host,
            _collation_key(name),
            order,
            _collation_key(person.last_name),
            _collation_key(person.first_name),
        )

    rows, previous = [], None
    for person in sorted(people.values(), key=sort_key):
        attendance = by_person.get(person.pk)
        present = attendance is not None and attendance.status == Attendance.Status.PRESENT
        notes = []
        if present and attendance.replaces_id:
            notes.append(
                pgettext("protokoll", "serving for %(name)s") % {"name": attendance.replaces.full_name}
            )
        elif present and attendance.capacity == Attendance.Capacity.SUBSTITUTE and attendance.serving:
            notes.append(pgettext("protokoll", "serving"))
        if present:
            notes.append(_attendance_note(attendance))
        group = organisation(person)
        rows.append(
            {
                "name": person.full_name,
                "represents": group,
                "present": present,
                "note": ", ".join(note for note in notes if note),
                "first_of_group": group != previous,
            }
        )
        previous = group
    return rows


def _absent(meeting: Meeting, attendances: list[Attendance]) -> list[dict]:
    """Kallade ledamöter and ersättare who were not there (for the first page when the
    närvarolista is not a bilaga): absent on the attendance list, or never recorded."""
    assignments = _kallade_assignments(meeting)
    present = {a.person_id for a in attendances if a.status == Attendance.Status.PRESENT}
    rows = []
    for person_id, assignment in sorted(
        assignments.items(), key=lambda item: (item[1].order, item[1].person.last_name)
    ):
        if person_id in present:
            continue
        if assignment.role not in (*Assignment.MEMBER_ROLES, Assignment.Role.SUBSTITUTE):
            continue
        rows.append({"name": assignment.person.display_name, "role": str(assignment.get_role_display())})
    return rows


def _vote(vote: Vote) -> dict:
    ballots = sorted(vote.ballots.all(), key=lambda b: (b.person.last_name, b.person.first_name))
    counts = {choice: 0 for choice in Ballot.Choice.values}
    for ballot in ballots:
        counts[ballot.choice] += 1
    is_open = vote.kind == Vote.Kind.OPEN
    yes = vote.yes_count if vote.yes_count is not None else (counts["ja"] if is_open else None)
    no = vote.no_count if vote.no_count is not None else (counts["nej"] if is_open else None)
    abstain = (
        vote.abstain_count if vote.abstain_count is not None else (counts["avstar"] if is_open else None)
    )
    return {
        "open": is_open,
        "is_election": vote.is_election,
        "proposition_yes": vote.proposition_yes,
        "proposition_no": vote.proposition_no,
        "ballots": [
            {
                "name": ballot.person.display_name,
                "yes": ballot.choice == Ballot.Choice.YES,
                "no": ballot.choice == Ballot.Choice.NO,
                "abstain": ballot.choice == Ballot.Choice.ABSTAIN,
            }
            for ballot in ballots
        ]
        if is_open
        else [],
        "yes": yes,
        "no": no,
        "abstain": abstain,
        "result": vote.result,
        "casting_vote_used": vote.casting_vote_used,
        "decided_by_lot": vote.decided_by_lot,
    }


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("•").strip() for line in (text or "").splitlines() if line.strip()]


def _paragraph(paragraph: Paragraph, *, public: bool) -> dict:
    """One § for the template; a confidential one in the public version keeps only its number,
    the OSL ground and (where the secretary set one) a neutral public title."""
    hidden = public and paragraph.confidential
    row = {
        "pk": paragraph.pk,
        "number": paragraph.number,
        "anchor": f"paragraph-{paragraph.number}",
        "hidden": hidden,
        "confidential": paragraph.confidential,
        "osl_reference": paragraph.osl_reference,
        "public_title": paragraph.public_title,
        "title": paragraph.public_title if hidden else paragraph.title,
        "diarienummer": "" if hidden or not paragraph.case_id else paragraph.case.diarienummer,
    }
    if hidden:
        return row
    row.update(
        {
            "immediate_justering": paragraph.immediate_justering,
            "decision": paragraph.decision,
            "summary": paragraph.summary,
            "basis": _lines(paragraph.basis),
            "motions": paragraph.motions,
            "procedure": paragraph.procedure,
            "votes": [_vote(vote) for vote in paragraph.votes.all()],
            "reservations": [
                {"name": r.person.display_name, "text": r.text}
                for r in sorted(paragraph.reservations.all(), key=lambda r: r.person.last_name)
            ],
            "disqualifications": [
                {
                    "name": d.person.display_name,
                    "substitute": d.substitute.display_name if d.substitute_id else "",
                    "reason": d.reason,
                }
                for d in sorted(paragraph.disqualifications.all(), key=lambda d: d.person.last_name)
            ],
            "notes": paragraph.notes,
            "send_to": _lines(paragraph.send_to),
        }
    )
    return row


def _document_annexes(meeting: Meeting, *, public: bool) -> list[dict]:
    """The handlingar attached to the §§ as bilagor, numbered (meetings/protokoll/annexes.py).
    In the public version a confidential one (or one of a confidential §) is withheld: it
    keeps its number and OSL ground, not its title, and its pages are not merged."""
    rows = []
    for numbered in meeting_annexes(meeting):
        withheld = public and numbered.confidential
        rows.append(
            {
                "number": numbered.number,
                "anchor": numbered.anchor,
                "paragraph_id": numbered.paragraph.pk,
                "paragraph_number": numbered.paragraph.number,
                "document_id": numbered.document.pk,
                "title": "" if withheld else numbered.document.title,
                "withheld": withheld,
                "osl_reference": numbered.osl_reference if numbered.confidential else "",
                "file_name": ""
                if withheld or not document_is_mergeable(numbered.document)
                else numbered.document.file.name,
                "pages": "",  # "18 - 38", filled in when the PDF is merged (document.py)
            }
        )
    return rows


def _paragraph_queryset():
    person = "person__party"
    return Paragraph.objects.select_related("case").prefetch_related(
        Prefetch("disqualifications", Disqualification.objects.select_related(person, "substitute__party")),
        Prefetch("reservations", Reservation.objects.select_related(person)),
        Prefetch(
            "votes",
            Vote.objects.order_by("order", "pk").prefetch_related(
                Prefetch("ballots", Ballot.objects.select_related(person))
            ),
        ),
    )


def _meeting_facts(meeting: Meeting) -> dict:
    start = timezone.localtime(meeting.start)
    end = timezone.localtime(meeting.end) if meeting.end else None
    return {
        "meeting": meeting,
        "committee": meeting.committee,
        "organisation": meeting.committee.organisation,
        "date": start.date(),
        "time": _clock(f"{start:%H:%M}–{end:%H:%M}" if end else f"{start:%H:%M}"),
        "location": meeting.location,
        "signature_reference": str(meeting.signature_reference),
        "lang": _document_language(),
        "signature_box": {"width": SIGNATURE_BOX_MM[0], "height": SIGNATURE_BOX_MM[1]},
    }


def _in_document_language(function):
    """Build a document's context in the document's language (labels, role names, titles)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override(_document_language()):
            return function(*args, **kwargs)

    return wrapper


@_in_document_language
def protokoll_context(*, meeting: Meeting, public: bool = False) -> dict:
    """Everything the protokoll template prints for a meeting.

    `public=True` is the version for the anslagstavla and the public site: confidential
    paragraphs (OSL) keep their number and ground only, never their content.
    """
    meeting = Meeting.objects.select_related(
        "committee__organisation", "secretary__party", "chair__party"
    ).get(pk=meeting.pk)
    paragraphs = list(_paragraph_queryset().filter(meeting=meeting).order_by("order", "number"))
    attendances = list(
        meeting.attendances.select_related(
            "person__party", "replaces__party", "from_paragraph", "to_paragraph"
        ).order_by("pk")
    )
    facts = _meeting_facts(meeting)
    annexes = _document_annexes(meeting, public=public)
    by_paragraph = {}
    for annex in annexes:
        by_paragraph.setdefault(annex["paragraph_id"], []).append(annex)
    title = pgettext("protokoll", "Minutes %(committee)s %(date)s") % {
        "committee": meeting.committee.name,
        "date": f"{facts['date']:%Y-%m-%d}",
    }
    return {
        **facts,
        "title": title,
        "public": public,
        "paragraphs": [
            {**_paragraph(p, public=public), "annexes": by_paragraph.get(p.pk, [])} for p in paragraphs
        ],
        "attendance": _attendance(meeting, attendances),
        "attendance_as_annex": meeting.attendance_as_annex,
        "annex": _annex(meeting, attendances) if meeting.attendance_as_annex else [],
        "absent": [] if meeting.attendance_as_annex else _absent(meeting, attendances),
        "annexes": annexes,
        "signers": _signers(meeting),
        "signature_fields": True,
        "justering_days": meeting.committee.justering_days,
        "organisation_genitive": meeting.committee.organisation.genitive_name,
    }


@_in_document_language
def protokollsutdrag_context(*, paragraph: Paragraph, certifier=None) -> dict:
    """What a protokollsutdrag prints: the header, the §, Justerandes signatur and Bestyrkande.

    The Bestyrkande names who certifies it: `certifier`, the secretary who certifies it
    herself, or else the organisation, whose e-sigill the server seals it with.

    An extract of a paragraph with omedelbar justering that is not yet justerat reserves a
    signature box for each justerande, since the extract itself is what they sign.
    """
    paragraph = _paragraph_queryset().select_related("meeting").get(pk=paragraph.pk)
    meeting = Meeting.objects.select_related(
        "committee__organisation", "secretary__party", "chair__party"
    ).get(pk=paragraph.meeting_id)
    facts = _meeting_facts(meeting)
    justering = getattr(meeting, "justering", None)
    all_signers = _signers(meeting)
    signers = [s for s in all_signers if s["role"] != Signature.Role.SECRETARY and s["name"]]
    justerat_on = None
    if justering is not None and justering.completed_at:
        justerat_on = timezone.localtime(justering.completed_at).date()
    sign_here = paragraph.immediate_justering and justerat_on is None
    secretary = next((s for s in all_signers if s["role"] == Signature.Role.SECRETARY and s["person"]), None)
    title = pgettext("protokoll", "Extract from the minutes %(committee)s %(date)s § %(number)s") % {
        "committee": meeting.committee.name,
        "date": f"{facts['date']:%Y-%m-%d}",
        "number": paragraph.number,
    }
    return {
        **facts,
        "title": title,
        "public": False,
        "paragraph": _paragraph(paragraph, public=False),
        "adjusters": [{**s, "box_id": s["box_id"] if sign_here else ""} for s in signers],
        "sign_here": sign_here,
        "justerat_on": justerat_on,
        "secretary_name": secretary["name"] if secretary else "",
        "certifier_name": certifier.full_name if certifier is not None else "",
        "seal_text": pgettext("protokoll", "Certified with %(organisation)s e-sigill")
        % {"organisation": meeting.committee.organisation.genitive_name},
        "bestyrkande_box_id": BESTYRKANDE_FIELD,
        "signature_fields": True,
    }
