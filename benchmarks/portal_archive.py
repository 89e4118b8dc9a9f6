"""A synthetic protokoll archive for the portal benchmarks: committees × years × meetings × §§.

The issue's full size is 30 committees × 20 years × 11 meetings × 15 paragraphs (99,000
paragraphs). Everything is written with bulk_create in batches; the meetings are created as
drafts, filled, and only then marked justerat and posted (as the database refuses new
paragraphs in a locked protokoll). Texts are Swedish-like, built from a small vocabulary so
that searches for real words ("motion", "remiss", "budget") have hits at every size.

    from portal_archive import archive_generate
    archive_generate(years=range(2007, 2009))    # 1/10 of the years
    archive_generate(years=range(2009, 2027))    # the rest: full size
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

COMMITTEES = 30
MEETINGS_PER_YEAR = 11
PARAGRAPHS_PER_MEETING = 15
MEMBERS_PER_COMMITTEE = 9
FULL_YEARS = range(2007, 2027)  # 20 years

SUBJECTS = [
    "Motion om",
    "Remiss av",
    "Budget för",
    "Svar på medborgarförslag om",
    "Yttrande över",
    "Uppföljning av",
    "Revidering av riktlinjer för",
    "Delegationsbeslut om",
    "Information om",
    "Val av ombud till",
    "Ansökan om bidrag till",
    "Taxa för",
]
TOPICS = [
    "kultur för hälsa",
    "skolskjuts",
    "äldreomsorgens kvalitet",
    "gång- och cykelvägar",
    "bibliotekens öppettider",
    "föreningsbidrag",
    "vatten och avlopp",
    "detaljplan för centrum",
    "kollektivtrafik på landsbygden",
    "barn- och ungdomskultur",
    "energieffektivisering",
    "digitala tjänster",
    "integration och arbetsmarknad",
    "folkhälsa",
    "brottsförebyggande arbete",
]
SENTENCES = [
    "Förvaltningen har berett ärendet och föreslår att nämnden beslutar enligt förslaget.",
    "Motionären föreslår att kommunen utreder frågan och återkommer med en plan.",
    "Remissen har skickats till berörda nämnder och inkomna svar redovisas i tjänsteskrivelsen.",
    "Budgeten för verksamhetsåret följs upp varje tertial och avvikelser ska förklaras.",
    "Ärendet har beretts i arbetsutskottet som ställt sig bakom förvaltningens förslag.",
    "Ekonomiska konsekvenser bedöms rymmas inom befintlig ram.",
    "Barnkonventionen har beaktats i beredningen av ärendet.",
    "Samråd har skett med de fackliga organisationerna enligt gällande avtal.",
]


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def archive_generate(*, years=FULL_YEARS, committees: int = COMMITTEES, seed: int = 1) -> dict:
    """Create (or extend) the archive for `years`; returns counts. Idempotent per year."""
    from django.db import transaction
    from django.utils import timezone

    from attendance.models import Attendance
    from cases.models import Case
    from committees.models import Assignment, Committee, Organisation, Person
    from meetings.models import AgendaItem, Justering, Meeting, Paragraph

    rng = random.Random(seed)
    organisation, _ = Organisation.objects.get_or_create(
        name="Arkivkommunen", defaults={"short_name": "AK", "diarium_prefix": "AK"}
    )
    bodies = []
    for index in range(committees):
        body, created = Committee.objects.get_or_create(
            slug=f"arkiv-{index + 1:02d}",
            defaults={
                "organisation": organisation,
                "name": f"Arkivnämnd {index + 1}",
                "short_name": f"AN{index + 1}",
                "kind": Committee.Kind.COMMITTEE,
            },
        )
        if created:
            people = Person.objects.bulk_create(
                Person(first_name=f"Ledamot{n}", last_name=f"Nämnd{index + 1}")
                for n in range(MEMBERS_PER_COMMITTEE)
            )
            Assignment.objects.bulk_create(
                Assignment(person=p, committee=body, role=Assignment.Role.MEMBER, order=n)
                for n, p in enumerate(people)
            )
        bodies.append(body)

    counts = {"meetings": 0, "paragraphs": 0}
    tz = timezone.get_current_timezone()
    for year in years:
        for body in bodies:
            if Meeting.objects.filter(committee=body, start__year=year).exists():
                continue
            members = list(Person.objects.filter(assignments__committee=body).order_by("pk"))
            with transaction.atomic():
                starts = [
                    datetime(year, month, rng.randint(3, 26), 13, 0, tzinfo=tz)
                    for month in (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12)[:MEETINGS_PER_YEAR]
                ]
                meetings = Meeting.objects.bulk_create(
                    Meeting(
                        committee=body,
                        start=start,
                        end=start + timedelta(hours=2),
                        location="Kommunhuset, sal A",
                        status=Meeting.Status.PROTOKOLL_DRAFTED,
                    )
                    for start in starts
                )
                cases = Case.objects.bulk_create(
                    Case(
                        organisation=organisation,
                        prefix=body.slug.upper().replace("-", ""),
                        year=year,
                        serial=n + 1,
                        title=f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)}",
                        committee=body,
                    )
                    for n in range(len(meetings) * 4)
                )
                items, paragraphs, attendances = [], [], []
                number = 0
                for meeting in meetings:
                    for order in range(PARAGRAPHS_PER_MEETING):
                        number += 1
                        title = f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)}"
                        kind = AgendaItem.Kind.DECISION if order % 4 else AgendaItem.Kind.INFORMATION
                        items.append(AgendaItem(meeting=meeting, order=order, title=title, kind=kind))
                        case = cases[rng.randrange(len(cases))] if order % 3 == 0 else None
                        paragraphs.append(
                            Paragraph(
                                meeting=meeting,
                                committee=body,
                                year=year,
                                number=number,
                                order=order,
                                title=title,
                                case=case,
                                summary=f"<p>{_text(rng, 3)}</p>",
                                decision=f"<p>Nämnden beslutar att {rng.choice(TOPICS)} ska följas upp.</p>",
                                basis="Tjänsteskrivelse\nProtokollsutdrag",
                            )
                        )
                    attendances += [
                        Attendance(
                            meeting=meeting,
                            person=person,
                            capacity=Attendance.Capacity.MEMBER,
                            serving=True,
                        )
                        for person in members
                    ]
                AgendaItem.objects.bulk_create(items, batch_size=2000)
                for paragraph, item in zip(paragraphs, items, strict=True):
                    paragraph.agenda_item = item
                Paragraph.objects.bulk_create(paragraphs, batch_size=2000)
                Attendance.objects.bulk_create(attendances, batch_size=2000)
                Justering.objects.bulk_create(
                    Justering(
                        meeting=meeting,
                        deadline=(meeting.start + timedelta(days=14)).date(),
                        frozen_at=meeting.start + timedelta(days=5),
                        completed_at=meeting.start + timedelta(days=7),
                    )
                    for meeting in meetings
                )
                Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(status=Meeting.Status.POSTED)
            counts["meetings"] += len(meetings)
            counts["paragraphs"] += len(paragraphs)
    return counts
