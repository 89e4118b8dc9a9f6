"""Load the demo data of Region Jönköpings län (demo/data/*.json) into the database.

The data was extracted once from the real seed documents (see demo/data/README.md);
nothing here reads the seeds. Every row is found by a natural key (diarienummer,
names, committee and start, committee/year/§ number …) and only written when it is
new or differs, so running the command again leaves the database as it was.

Long (over 1,000 lines) because it builds the whole demo in one readable order, meeting by
meeting; the data itself is in demo/data/.
"""

import json
import unicodedata
import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext

from attendance.models import Attendance, Vote
from attendance.services import (
    attendance_record,
    disqualification_record,
    meeting_summoned_people,
    reservation_record,
    substitute_propose,
    vote_record,
)
from cases.documents import document_upload
from cases.models import Case, DelegatedDecision, DelegationPoint, Motion, Remiss
from cases.services import diarienummer_parse
from committees.models import Assignment, Committee, Organisation, Party, Person
from committees.roles import OFFICIAL_GROUP, SECRETARY_GROUP, ensure_groups
from demo.handlingar import handling_render_pdf, handlingar_read
from meetings import signing
from meetings.anslag.rules import (
    anslag_post,
    anslag_post_notice,
    anslag_take_down_due,
    delegated_decisions_notice_text,
)
from meetings.justering.document import (
    justering_apply_signature,
    justering_store_frozen_pdf,
    protokoll_snapshot,
    snapshot_hash,
)
from meetings.justering.services import protokoll_freeze, protokoll_set_signers
from meetings.lagakraft.rules import appeal_register
from meetings.models import (
    AgendaItem,
    AgendaTemplateItem,
    Anslag,
    Justering,
    Meeting,
    MeetingTransition,
    Paragraph,
    Signature,
)
from meetings.richtext import sanitize_rich_text
from meetings.services.handlingar import agenda_item_attach_document
from meetings.services.lifecycle import (
    meeting_hold,
    meeting_mark_summoned,
    meeting_start_agenda,
    meeting_transition,
)
from meetings.services.paragraphs import paragraph_update, protokoll_create_draft
from meetings.services.registers import meeting_generate_lists
from portal.search import search_reindex_all

# The life of a meeting in order (DESIGN.md), without "cancelled".
LIFE = [*Meeting.Status.UPCOMING, *Meeting.Status.DRAFTING, *Meeting.Status.FROZEN]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

DEMO_PASSWORD = "paragraf-demo"  # demo only: never use these logins outside a demo
DEMO_EMAIL_DOMAIN = "example.org"  # reserved domain: demo mail can never reach a real person

# The demo logins, printed by this command (and by README / `make demo`).
DEMO_LOGINS = [
    {
        "username": "sekreterare",
        "password": DEMO_PASSWORD,
        "person": "Linda Byman",
        "description": "nämndsekreterare: ANA, its presidium and kulturutskott",
        "is_staff": True,
        "is_superuser": False,
        "groups": (SECRETARY_GROUP,),
    },
    {
        "username": "forum-sekreterare",
        "password": DEMO_PASSWORD,
        "person": "Josefine Colliander",
        "description": "sekreterare: Kommunalt forum",
        "is_staff": True,
        "is_superuser": False,
        "groups": (SECRETARY_GROUP,),
    },
    {
        "username": "ordforande",
        "password": DEMO_PASSWORD,
        "person": "Per Eriksson",
        "description": "ordförande (C): ANA and its presidium",
        "is_staff": False,
        "is_superuser": False,
        "groups": (),
    },
    {
        "username": "ordforande-forum",
        "password": DEMO_PASSWORD,
        "person": "Rachel De Basso",
        "description": "ordförande (S) of Kommunalt forum: signs its protokoll",
        "is_staff": False,
        "is_superuser": False,
        "groups": (),
    },
    {
        "username": "justerare",
        "password": DEMO_PASSWORD,
        "person": "Kerstin Hammar",
        "description": "ledamot (M) of Kommunalt forum, justerare 2024-10-11 and the draft meeting",
        "is_staff": False,
        "is_superuser": False,
        "groups": (),
    },
    {
        "username": "justerare2",
        "password": DEMO_PASSWORD,
        "person": "Therese Petersson",
        "description": "ledamot (KD) of Kommunalt forum, justerare 2024-10-11 and the draft meeting",
        "is_staff": False,
        "is_superuser": False,
        "groups": (),
    },
    {
        "username": "justerare-ana",
        "password": DEMO_PASSWORD,
        "person": "Per Svenberg",
        "description": "ledamot (S) of ANA, justerare 2022-10-12",
        "is_staff": False,
        "is_superuser": False,
        "groups": (),
    },
    {
        "username": "tjansteperson",
        "password": DEMO_PASSWORD,
        "person": "Peter Friberg",
        "description": "tjänsteperson: ANA (sektionschef)",
        "is_staff": True,
        "is_superuser": False,
        "groups": (OFFICIAL_GROUP,),
    },
    {
        "username": "admin",
        "password": DEMO_PASSWORD,
        "person": None,
        "description": "superuser",
        "is_staff": True,
        "is_superuser": True,
        "groups": (),
    },
]


def as_html(text: str) -> str:
    """The seeds' plain text as the limited rich text Paragraf stores: paragraphs and bullet lists."""
    if not text:
        return ""
    blocks = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith(("•", "- ")) for line in lines):
            items = "".join(f"<li><p>{escape(line.lstrip('•- ').strip())}</p></li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append(f"<p>{escape(' '.join(lines))}</p>")
    return sanitize_rich_text("".join(blocks))


def demo_email(first_name: str, last_name: str) -> str:
    """Demo address: "Rachel De Basso" → rachel.de.basso@example.org (accents folded)."""
    text = unicodedata.normalize("NFKD", f"{first_name} {last_name}".lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    local = ".".join("".join(ch for ch in part if ch.isalnum() or ch == "-") for part in text.split())
    return f"{local}@{DEMO_EMAIL_DOMAIN}"


class DemoLoader:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.created = Counter()
        self.updated = Counter()
        self.people: dict[str, Person] = {}
        self.committees: dict[str, Committee] = {}
        self.cases: dict[str, Case] = {}
        self.users = {}

    # -- helpers ---------------------------------------------------------------------------
    def read(self, name: str):
        path = self.data_dir / name
        if not path.exists():
            raise CommandError(f"Missing demo data file {path}.")
        return json.loads(path.read_text(encoding="utf-8"))

    def upsert(self, model, lookup: dict, defaults: dict | None = None):
        """Find by natural key; create, or save only the fields that differ."""
        defaults = defaults or {}
        obj = model.objects.filter(**lookup).order_by("pk").first()
        if obj is None:
            obj = model(**lookup, **defaults)
            obj.save()
            self.created[model._meta.label] += 1
            return obj
        changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, defaults[name])
            obj.save(update_fields=changed)
            self.updated[model._meta.label] += 1
        return obj

    @staticmethod
    def add_missing(related_manager, objects):
        """Add to a many-to-many only what is missing (no needless writes on a second run)."""
        present = set(related_manager.values_list("pk", flat=True))
        missing = [obj for obj in objects if obj.pk not in present]
        if missing:
            related_manager.add(*missing)

    def dt(self, text):
        return datetime.fromisoformat(text).replace(tzinfo=self.tz) if text else None

    @staticmethod
    def day(text):
        return date.fromisoformat(text) if text else None

    def person(self, name):
        if not name:
            return None
        try:
            return self.people[name]
        except KeyError:
            raise CommandError(f"Demo data names an unknown person: {name!r}.") from None

    def case(self, diarienummer):
        return self.cases[diarienummer] if diarienummer else None

    @staticmethod
    def demo_reference(committee, start: str) -> uuid.UUID:
        """A stable signature reference for a meeting the seeds print none for."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"paragraf-demo:{committee.slug}:{start}")

    def meeting_ref(self, ref):
        return Meeting.objects.get(committee=self.committees[ref["committee"]], start=self.dt(ref["start"]))

    # -- steps -----------------------------------------------------------------------------
    def run(self):
        self.load_organisation()
        self.load_committees()
        self.load_people()
        self.load_logins()
        self.load_assignments()
        self.load_cases()
        self.load_agenda_templates()
        for name in (
            "meetings_kommunalt_forum.json",
            "meetings_history.json",
            "meeting_ana_2022-10-12.json",
        ):
            for meeting in self.read(name):
                self.load_meeting(meeting)
        self.load_delegation()
        self.load_remisser()
        self.load_motions()
        self.load_handlingar()
        self.load_held_meeting(self.read("meeting_ana_2022-10-12_held.json"))
        self.load_draft_meeting(self.read("meeting_kf_draft.json"))
        # The anslagstavla today: a recent justerat protokoll and two notices; the seeds' old
        # anslag are taken down (their appeal periods ended long ago) and are in the archive.
        self.load_recent_protokoll(self.read("meeting_kf_recent.json"))
        self.load_notices()
        self.take_down_due_anslag()
        self.load_appeals()

    def load_organisation(self):
        data = self.read("organisation.json")
        org = data["organisation"]
        self.organisation = self.upsert(
            Organisation,
            {"diarium_prefix": org["diarium_prefix"]},
            {key: value for key, value in org.items() if key != "diarium_prefix"},
        )
        self.parties = {
            party["abbreviation"]: self.upsert(
                Party, {"abbreviation": party["abbreviation"]}, {"name": party["name"]}
            )
            for party in data["parties"]
        }

    def load_committees(self):
        for row in self.read("committees.json"):
            self.committees[row["short_name"]] = self.upsert(
                Committee,
                {"organisation": self.organisation, "short_name": row["short_name"]},
                {
                    "name": row["name"],
                    "slug": row["slug"],
                    "kind": row["kind"],
                    "parent": self.committees[row["parent"]] if row["parent"] else None,
                    "default_location": row["default_location"],
                },
            )

    def load_people(self):
        for row in self.read("people.json"):
            first, last = row["first_name"], row["last_name"]
            self.people[f"{first} {last}"] = self.upsert(
                Person,
                {"first_name": first, "last_name": last},
                {
                    "party": self.parties[row["party"]] if row["party"] else None,
                    "represents": row["represents"],
                    "title": row["title"],
                    "email": demo_email(first, last),
                },
            )

    def load_logins(self):
        groups = ensure_groups()

        user_model = get_user_model()
        for spec in DEMO_LOGINS:
            person = self.person(spec["person"])
            wanted = {
                "is_active": True,
                "is_staff": spec["is_staff"],
                "is_superuser": spec["is_superuser"],
                "first_name": person.first_name if person else "",
                "last_name": person.last_name if person else "",
                "email": person.email if person else f"{spec['username']}@{DEMO_EMAIL_DOMAIN}",
            }
            user = self.upsert(user_model, {"username": spec["username"]}, wanted)
            if not user.check_password(spec["password"]):
                user.set_password(spec["password"])
                user.save(update_fields=["password"])
            self.add_missing(user.groups, [groups[name] for name in spec["groups"]])
            if person and person.user_id != user.pk:
                Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
                person.user = user
                person.save(update_fields=["user"])
            self.users[spec["username"]] = user

    def load_assignments(self):
        for row in self.read("assignments.json"):
            self.upsert(
                Assignment,
                {
                    "person": self.person(row["person"]),
                    "committee": self.committees[row["committee"]],
                    "role": row["role"],
                    "valid_from": None,
                },
                {
                    "substitute_order": row["substitute_order"],
                    "title": row["title"],
                    "receives_kallelse": row["receives_kallelse"],
                    "order": row["order"],
                    "valid_to": None,
                },
            )

    def load_cases(self):
        for row in self.read("cases.json"):
            prefix, year, serial = diarienummer_parse(row["diarienummer"])
            self.cases[row["diarienummer"]] = self.upsert(
                Case,
                {"prefix": prefix, "year": year, "serial": serial},
                {
                    "organisation": self.organisation,
                    "title": row["title"],
                    "registered_on": self.day(row["registered_on"]),
                    "committee": self.committees[row["committee"]] if row["committee"] else None,
                    "responsible": self.person(row["responsible"]),
                    "status": row["status"],
                    "confidential": row.get("confidential", False),
                    "osl_reference": row.get("osl_reference", ""),
                },
            )

    def load_agenda_templates(self):
        """Each committee's standard agenda items, added to a meeting in one click."""
        for short_name, items in self.read("agenda_templates.json").items():
            for item in items:
                self.upsert(
                    AgendaTemplateItem,
                    {"committee": self.committees[short_name], "title": item["title"]},
                    {key: value for key, value in item.items() if key != "title"},
                )

    def load_meeting(self, row):
        committee = self.committees[row["committee"]]
        start = self.dt(row["start"])
        reference = row["signature_reference"] or str(self.demo_reference(committee, row["start"]))
        final_status = row["status"]
        loaded = (
            Meeting.objects.filter(committee=committee, start=start).values_list("status", flat=True).first()
        )
        if loaded in Meeting.Status.FROZEN:
            # A protokoll sent for justering is a record: the database refuses to change it or
            # move it back (audit.locks), so a second run leaves it as the first one made it.
            return
        if loaded in LIFE and final_status in LIFE and LIFE.index(loaded) > LIFE.index(final_status):
            # The meeting has moved on since the seed: ANA 2022-10-12 was held (load_held_meeting).
            final_status = loaded
        # The loader writes the seeds' finished meetings as they were: it creates them as
        # drafts, writes their protokoll and then moves them to their status (all in one
        # transaction), the way a protokoll gets there.
        loading_status = (
            Meeting.Status.PROTOKOLL_DRAFTED if final_status in Meeting.Status.FROZEN else final_status
        )
        meeting = self.upsert(
            Meeting,
            {"committee": committee, "start": start},
            {
                "end": self.dt(row["end"]),
                "location": row["location"],
                "status": loading_status,
                "secretary": self.person(row["secretary"]),
                "chair": self.person(row["chair"]),
                "attendance_as_annex": row["attendance_as_annex"],
                "agenda_published": row["agenda_published"],
                "signature_reference": uuid.UUID(reference),
                "note": row["note"],
            },
        )
        for item in row["items"]:
            agenda_item = self.upsert(
                AgendaItem,
                {"meeting": meeting, "order": item["order"]},
                {
                    "section": item["section"],
                    "title": item["title"],
                    "kind": item["kind"],
                    "case": self.case(item["case"]),
                    "proposal": as_html(item["proposal"]),
                    "summary": as_html(item["summary"]),
                    "presenter": item["presenter"],
                    "time_note": item["time_note"],
                    "generates": item.get("generates", ""),
                    "confidential": item.get("confidential", False),
                    "osl_reference": item.get("osl_reference", ""),
                },
            )
            paragraph = item["paragraph"]
            if paragraph:
                self.upsert(
                    Paragraph,
                    {"committee": committee, "year": start.year, "number": paragraph["number"]},
                    {
                        "meeting": meeting,
                        "agenda_item": agenda_item,
                        "order": item["order"],
                        "title": item["title"],
                        "case": self.case(item["case"]),
                        "decision": as_html(paragraph["decision"]),
                        "summary": as_html(paragraph["summary"]),
                        "basis": paragraph["basis"],
                        "motions": as_html(paragraph["motions"]),
                        "procedure": as_html(paragraph["procedure"]),
                        "send_to": paragraph["send_to"],
                        "notes": as_html(paragraph["notes"]),
                        "confidential": item.get("confidential", False),
                        "osl_reference": item.get("osl_reference", ""),
                    },
                )
        for row_attendance in row["attendance"]:
            self.upsert(
                Attendance,
                {"meeting": meeting, "person": self.person(row_attendance["person"])},
                {
                    "status": row_attendance["status"],
                    "capacity": row_attendance["capacity"],
                    "serving": row_attendance["serving"],
                },
            )
        if final_status in Meeting.Status.JUSTERAT_OR_LATER:
            if not (row["justering"] and row["justering"]["signatures"]):
                raise CommandError(f"{meeting}: a justerat demo protokoll needs its signers.")
            # The seeds' extracts are single §§ of longer protokoll (RF-P § 23 of §§ 19-24):
            # they keep their printed numbers. Kommunalt forum's protokoll are whole.
            self.load_signed_justering(
                meeting, row["justering"], final_status=final_status, keep_numbers=row["source"] == "003"
            )
        if final_status != loading_status:
            Meeting.objects.filter(pk=meeting.pk).update(status=final_status)
        if final_status in Meeting.Status.JUSTERAT_OR_LATER:
            self.require_signed(meeting)

    # -- justering with real digital signatures ---------------------------------------------
    @staticmethod
    def require_signed(meeting: Meeting) -> None:
        """A justerat protokoll always has its signed file, signed by every signer: the public
        pages and OParl link it."""
        justering = Justering.objects.filter(meeting=meeting).first()
        if (
            justering is None
            or not justering.signed_file
            or not justering.completed_at
            or justering.signatures.filter(signed_at__isnull=True).exists()
        ):
            raise CommandError(f"{meeting}: the demo left a justerat protokoll without its signed file.")

    def load_signed_justering(
        self, meeting: Meeting, data: dict, *, final_status: str, keep_numbers: bool = False
    ) -> None:
        """Justera a seed protokoll the way Paragraf does, with real PAdES signatures.

        The protokoll is frozen by `protokoll_freeze` (snapshot, PDF with one empty signature
        field per signer) and signed by each signer in turn with their certificate from the
        organisation's signing CA; then it is justerat and its anslag is posted the day after
        the justering. Only the password re-entry of `protokoll_sign` is skipped: this is the
        demo's own setup. A protokoll that was signed on an earlier run is left as it is.
        """
        existing = Justering.objects.filter(meeting=meeting).first()
        if existing and existing.signed_file and existing.completed_at and existing.frozen_sha256:
            if not existing.signatures.filter(signed_at__isnull=True).exists():
                return
        if final_status not in (Meeting.Status.POSTED, Meeting.Status.JUSTERAT):
            raise CommandError(f"{meeting}: a signed demo protokoll ends justerat or with its anslag posted.")
        signing.signing_ca_create(organisation_name=self.organisation.name)
        signers = [(self.person(r["person"]), r["role"], self.dt(r["signed_at"])) for r in data["signatures"]]
        wanted = {(person.pk, role): signed_at for person, role, signed_at in signers}
        people = {role: [p for p, r, _at in signers if r == role] for role in Signature.Role}
        secretary = (people[Signature.Role.SECRETARY] or [None])[0]
        by = secretary.user if secretary else None
        protokoll_set_signers(
            meeting=meeting,
            chair=people[Signature.Role.CHAIR][0],
            adjusters=people[Signature.Role.ADJUSTER],
            secretary=secretary,
        )
        if keep_numbers:
            self.freeze_as_printed(meeting, by=by)
        else:
            protokoll_freeze(meeting=meeting, by=by)
        justering = Justering.objects.get(meeting=meeting)
        signer_user = by
        for signature in justering.signatures.select_related("person").order_by("order", "pk"):
            signed_at = wanted[(signature.person_id, signature.role)]
            self.sign(signature, signed_at=signed_at)
            signer_user = signature.person.user or signer_user
        frozen_at, completed_at = self.dt(data["frozen_at"]), self.dt(data["completed_at"])
        Justering.objects.filter(pk=justering.pk).update(
            deadline=self.day(data["deadline"]), frozen_at=frozen_at, completed_at=completed_at
        )
        meeting_transition(meeting=meeting, to_status=Meeting.Status.JUSTERAT, by=signer_user)
        history = {Meeting.Status.READY_FOR_JUSTERING: frozen_at, Meeting.Status.JUSTERAT: completed_at}
        if final_status == Meeting.Status.POSTED:
            posted_on = self.day(data.get("posted_on")) or completed_at.date() + timedelta(days=1)
            anslag_post(meeting=meeting, by=by, posted_on=posted_on)
            history[Meeting.Status.POSTED] = datetime.combine(posted_on, time(8, 0), tzinfo=self.tz)
        # The history tells the seed's story: when it was frozen, justerat and posted.
        self.backdate_transitions(meeting, history)
        self.created["signed protokoll"] += 1

    @staticmethod
    def freeze_as_printed(meeting: Meeting, *, by) -> None:
        """`protokoll_freeze` without its renumbering: the frozen snapshot and the PDF with one
        empty signature field per signer, the §§ keeping the numbers the seed prints."""
        meeting_transition(meeting=meeting, to_status=Meeting.Status.READY_FOR_JUSTERING, by=by)
        justering = Justering.objects.get(meeting=meeting)
        justering.snapshot = protokoll_snapshot(meeting)
        justering.content_hash = snapshot_hash(justering.snapshot)
        justering.frozen_at = timezone.now()
        justering.save(update_fields=["snapshot", "content_hash", "frozen_at"])
        justering_store_frozen_pdf(justering=justering)

    def sign(self, signature: Signature, *, signed_at: datetime) -> None:
        """One signer's PAdES signature, as `protokoll_sign` makes it (without the password)."""
        justering = Justering.objects.select_for_update().get(pk=signature.justering_id)
        self.ensure_certificate(signature.person)
        with translation.override(settings.LANGUAGE_CODE):
            role = signature.get_role_display()
            reason = gettext("Justering of the protokoll as %(role)s") % {"role": role}
        # As if the signer had entered their password: a certificate for this signature alone,
        # saying the assurance was a local password.
        assurance = signing.Assurance.local_password(
            user=signature.person.user, name=signature.person.full_name
        )
        justering_apply_signature(
            justering=justering, signature=signature, reason=reason, assurance=assurance
        )
        signature.signed_at = signed_at
        signature.signed_by = signature.person.user
        signature.certificate_subject = signature.person.full_name
        recorded = assurance.record_on(signature)
        signature.save(update_fields=["signed_at", "signed_by", "certificate_subject", *recorded])

    @staticmethod
    def ensure_certificate(person: Person) -> None:
        """The signer's login: a seed signer without a demo login gets an inactive login of their
        own (no usable password), since every personal certificate names an account. The
        certificate itself is issued per signature, when signing."""
        if person.user_id is None:
            user, created = get_user_model().objects.get_or_create(
                username=f"signerare-{slugify(person.full_name)}",
                defaults={
                    "is_active": False,
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "email": person.email,
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            person.user = user
            person.save(update_fields=["user"])

    @staticmethod
    def backdate_transitions(meeting: Meeting, when: dict) -> None:
        for status, at in when.items():
            MeetingTransition.objects.filter(meeting=meeting, to_status=status).update(at=at)

    def load_delegation(self):
        data = self.read("delegationsbeslut.json")
        committee = self.committees[data["committee"]]
        meeting = self.meeting_ref(data["reported_at_meeting"])
        points = {}
        for row in data["points"]:
            points[row["code"]] = self.upsert(
                DelegationPoint,
                {
                    "committee": committee,
                    "code": row["code"],
                    "decided_on": self.day(row["decided_on"]),
                },
                {
                    "description": row["description"],
                    "delegate_role": row["delegate_role"],
                    "limits": row["limits"],
                },
            )
        for row in data["decisions"]:
            self.upsert(
                DelegatedDecision,
                {
                    "decision_maker": self.person(row["decision_maker"]),
                    "year": row["year"],
                    "decision_maker_number": row["number"],
                },
                {
                    "registration_id": row["registration_id"],
                    "decided_on": self.day(row["decided_on"]),
                    "description": row["description"],
                    "counterpart": row["counterpart"],
                    "case": self.case(row["case"]),
                    "point": points[row["point"]],
                    "responsible": self.person(row["responsible"]),
                    "reported_at_meeting": meeting,
                },
            )

    def load_remisser(self):
        data = self.read("remisser.json")
        committee = self.committees[data["committee"]]
        meeting = self.meeting_ref(data["reported_at_meeting"])
        for row in data["remisser"]:
            self.upsert(
                Remiss,
                {"committee": committee, "registration_id": row["registration_id"]},
                {
                    "direction": row["direction"],
                    "title": row["title"],
                    "case": self.case(row["case"]),
                    "sender": row["sender"],
                    "received_on": self.day(row["received_on"]),
                    "answer_by": self.day(row["answer_by"]),
                    "responsible": self.person(row["responsible"]),
                    "department": row["department"],
                    "document_type": row["document_type"],
                    "status": row["status"],
                    "status_date": self.day(row["status_date"]),
                    "reported_at_meeting": meeting,
                },
            )

    def load_motions(self):
        for row in self.read("motioner.json"):
            motion = self.upsert(
                Motion,
                {"case": self.case(row["case"])},
                {
                    "title": row["title"],
                    "submitted_on": self.day(row["submitted_on"]),
                    "raised_on": self.day(row["raised_on"]),
                    "preparing_committee": self.committees[row["preparing_committee"]],
                    "answer_by": self.day(row["answer_by"]),
                    "status": row["status"],
                },
            )
            motion.submitters.set([self.person(name) for name in row["submitters"]])

    # -- the handlingar of the ANA meeting ------------------------------------------------------
    def load_handlingar(self):
        """Render each handling of demo/data/handlingar/ to PDF, store it as an uploaded handling
        and attach it to its agenda item. A handling already attached (by title) is left as it is,
        so a second run renders nothing."""
        sources = handlingar_read(self.data_dir / "handlingar")
        meeting = Meeting.objects.get(committee=self.committees["ANA"], start=self.dt("2022-10-12T10:00"))
        items = {item.order: item for item in meeting.agenda_items.select_related("case", "meeting")}
        attached = set(
            meeting.agenda_items.values_list("order", "attachments__document__title").exclude(
                attachments__isnull=True
            )
        )
        for source in sources:
            item = items.get(source.item)
            if item is None:
                raise CommandError(f"{source.file_name}: the meeting has no agenda item {source.item}.")
            if (item.order, source.title) in attached:
                continue
            decision = None
            if source.decision:  # the delegationsbeslut's own document, not a handling of the item
                decision = DelegatedDecision.objects.select_related("document").get(
                    point__committee=meeting.committee, registration_id=source.decision
                )
                if decision.document and decision.document.title == source.title:
                    continue
            paragraph = None
            if source.paragraph:
                short_name, year, number = source.paragraph
                paragraph = Paragraph.objects.select_related("meeting__committee", "case").get(
                    committee=self.committees[short_name], year=year, number=number
                )
            if paragraph is not None:
                case = paragraph.case
            elif source.case == "none":
                case = None
            else:
                case = self.case(source.case) if source.case else item.case
            pdf = handling_render_pdf(
                source=source, organisation=self.organisation, case=case, paragraph=paragraph
            )
            day = source.date or (timezone.localtime(paragraph.meeting.start).date() if paragraph else None)
            document = document_upload(
                uploaded_file=ContentFile(pdf, name=source.upload_name),
                title=source.title,
                kind=source.kind,
                case=case,
                date=day,
                registration_id=source.registration_id,
                confidential=source.confidential,
                osl_reference=source.osl,
            )
            if decision is not None:
                decision.document = document
                decision.save(update_fields=["document"])
                self.created["delegationsbeslut documents"] += 1
                continue
            agenda_item_attach_document(agenda_item=item, document=document, order=source.order)
            self.created["handlingar"] += 1

    # -- ANA 2022-10-12 held: attendance, an ersättare, jäv, a votering and a reservation ---------
    def load_held_meeting(self, row):
        """Take the seed's ANA meeting on through the services: register lists generated, kallelse
        sent, held, attendance recorded (one ledamot absent, the proposed ersättare serving for
        them), the protokoll drafted from the agenda, a jäv, an open votering with per-person
        ballots and a reservation, and the signers chosen. It is not frozen: secretaries try
        things on it. Invented beyond the seed (see demo/data/README.md). Done once: a meeting
        that is no longer at "agenda drafted" is left as it is."""
        meeting = self.meeting_ref(row["meeting"])
        if meeting.status != Meeting.Status.AGENDA_DRAFTED or meeting.paragraphs.exists():
            return
        by = meeting.secretary.user if meeting.secretary else None
        meeting_generate_lists(meeting=meeting)  # what the kallelse is built with, before it is sent
        meeting_mark_summoned(meeting=meeting, by=by)
        meeting_hold(meeting=meeting, by=by)

        absent = {self.person(r["person"]): r for r in row["absent"]}
        present_substitutes = {self.person(name) for name in row["substitutes_present"]}
        held_on = timezone.localtime(meeting.start).date()
        officials_present = {
            assignment.person
            for assignment in meeting.committee.assignments.current(held_on)
            .filter(role__in=row["officials_present_roles"])
            .select_related("person")
        }
        serving_for = {}
        for absent_person in absent:
            substitute = substitute_propose(meeting=meeting, absent_person=absent_person)
            if substitute is None:
                raise CommandError(f"{meeting}: no ersättare to call in for {absent_person}.")
            serving_for[substitute] = absent_person
        for summoned in meeting_summoned_people(meeting=meeting):
            person = summoned.person
            if summoned.capacity == Attendance.Capacity.SUBSTITUTE:
                if person in serving_for:
                    attendance_record(
                        meeting=meeting, person=person, present=True, replaces=serving_for[person]
                    )
                else:
                    attendance_record(meeting=meeting, person=person, present=person in present_substitutes)
            elif summoned.capacity == Attendance.Capacity.MEMBER:
                attendance_record(meeting=meeting, person=person, present=person not in absent)
            elif person in officials_present:
                attendance_record(meeting=meeting, person=person, present=True)
        if meeting.secretary:
            attendance_record(meeting=meeting, person=meeting.secretary, present=True)

        protokoll_create_draft(meeting=meeting, by=by)
        paragraphs = {p.agenda_item.order: p for p in meeting.paragraphs.select_related("agenda_item")}
        for item, texts in row["paragraph_texts"].items():
            paragraph = paragraphs[int(item)]
            for field, text in texts.items():
                setattr(paragraph, field, as_html(text))
            paragraph_update(paragraph=paragraph, version=paragraph.version)

        jav = row["disqualification"]
        disqualification_record(
            paragraph=paragraphs[jav["item"]], person=self.person(jav["person"]), reason=jav["reason"]
        )
        vote = row["vote"]
        vote_record(
            paragraph=paragraphs[vote["item"]],
            proposition_yes=vote["proposition_yes"],
            proposition_no=vote["proposition_no"],
            kind=Vote.Kind.OPEN,
            ballots={
                self.person(name): choice for choice, names in vote["ballots"].items() for name in names
            },
        )
        for reservation in row["reservations"]:
            reservation_record(
                paragraph=paragraphs[reservation["item"]],
                person=self.person(reservation["person"]),
                text=reservation["text"],
            )
        signers = row["signers"]
        protokoll_set_signers(
            meeting=meeting,
            chair=self.person(signers["chair"]),
            adjusters=[self.person(name) for name in signers["adjusters"]],
            secretary=self.person(signers["secretary"]),
        )
        self.backdate_transitions(
            meeting, {Meeting.Status(status): self.dt(at) for status, at in row["history"].items()}
        )
        self.created["held meeting"] += 1

    # -- a held meeting whose protokoll is a draft: to try the justering on -----------------------
    def load_draft_meeting(self, row):
        """A Kommunalt forum meeting taken through the services up to a drafted protokoll, with
        attendance and signers chosen. Invented (see demo/data/README.md): held a few days before
        today (a weekday), in the current year and after the other invented meetings, so its §§
        take no number in the real series of the seeds' years (a real 2025 meeting entered
        afterwards starts at § 1), and a real meeting of this year is entered before it. Once it
        exists it is left alone: whoever tries the justering flow on it keeps what they did."""
        committee = self.committees[row["committee"]]
        reference = self.demo_reference(committee, "draft")
        if Meeting.objects.filter(signature_reference=reference).exists():
            return
        held = self.today() - timedelta(days=row["held_days_ago"])
        while held.weekday() >= 5:  # a weekday
            held -= timedelta(days=1)
        start = self.at(held, row["start_time"])
        meeting = self.draft_meeting(row, start=start, end=self.at(held, row["end_time"]), reference="draft")
        self.backdate_transitions(
            meeting,
            {
                Meeting.Status.AGENDA_DRAFTED: self.at(held - timedelta(days=25), "10:00"),
                Meeting.Status.SUMMONED: self.at(held - timedelta(days=14), "10:00"),
                Meeting.Status.HELD: self.at(held, row["end_time"]),
                Meeting.Status.PROTOKOLL_DRAFTED: self.at(held, row["end_time"]) + timedelta(hours=2),
            },
        )
        self.created["draft protokoll"] += 1

    def draft_meeting(self, row, *, start: datetime, end: datetime, reference: str) -> Meeting:
        """A meeting of `row` taken through the services up to a drafted protokoll, with
        attendance (everyone assigned, but `absent`) and signers chosen."""
        committee = self.committees[row["committee"]]
        secretary = self.person(row["secretary"])
        by = secretary.user
        meeting = Meeting(
            committee=committee,
            start=start,
            end=end,
            location=row["location"],
            secretary=secretary,
            chair=self.person(row["chair"]),
            agenda_published=row["agenda_published"],
            attendance_as_annex=row["attendance_as_annex"],
            signature_reference=self.demo_reference(committee, reference),
            note=row["note"],
        )
        meeting.save()
        for item in row["items"]:
            AgendaItem(
                meeting=meeting,
                order=item["order"],
                title=item["title"],
                kind=item["kind"],
                case=self.case(item["case"]),
                proposal=as_html(item["proposal"]),
                summary=as_html(item["summary"]),
                presenter=item["presenter"],
            ).save()
        meeting_start_agenda(meeting=meeting, by=by)
        meeting_mark_summoned(meeting=meeting, by=by)
        meeting_hold(meeting=meeting, by=by)
        absent = set(row["absent"])
        capacity = {
            Assignment.Role.OFFICIAL: Attendance.Capacity.OFFICIAL,
            Assignment.Role.SECRETARY: Attendance.Capacity.OFFICIAL,
        }
        for assignment in committee.assignments.select_related("person").order_by("order", "pk"):
            person = assignment.person
            role_capacity = capacity.get(assignment.role, Attendance.Capacity.MEMBER)
            present = person.full_name not in absent
            Attendance(
                meeting=meeting,
                person=person,
                status=Attendance.Status.PRESENT if present else Attendance.Status.ABSENT,
                capacity=role_capacity,
                serving=present and role_capacity == Attendance.Capacity.MEMBER,
            ).save()
        protokoll_create_draft(meeting=meeting, by=by)
        signers = row["signers"]
        protokoll_set_signers(
            meeting=meeting,
            chair=self.person(signers["chair"]),
            adjusters=[self.person(name) for name in signers["adjusters"]],
            secretary=self.person(signers["secretary"]),
        )
        return meeting

    # -- the anslagstavla today -----------------------------------------------------------------
    def today(self) -> date:
        return timezone.localdate()

    def at(self, day: date, clock: str) -> datetime:
        return datetime.combine(day, time.fromisoformat(clock), tzinfo=self.tz)

    @staticmethod
    def anslag_up(**lookup):
        """Anslag of the lookup that are on the anslagstavla today (or will be)."""
        return Anslag.objects.filter(
            taken_down_at__isnull=True, take_down_on__gt=timezone.localdate(), **lookup
        )

    def load_recent_protokoll(self, row):
        """A Kommunalt forum meeting held about a week ago (on a weekday), its protokoll justerat
        with real signatures and its anslag posted two days ago: current on the anslagstavla.
        Invented, dated relative to today. Nothing is done while the committee has a protokoll
        on the anslagstavla, so a second run changes nothing; a run weeks later adds a new one."""
        committee = self.committees[row["committee"]]
        if self.anslag_up(committee=committee, kind=Anslag.Kind.PROTOKOLL).exists():
            return
        today = self.today()
        held = today - timedelta(days=row["held_days_ago"])
        while held.weekday() >= 5:  # a weekday
            held -= timedelta(days=1)
        start = self.at(held, row["start_time"])
        if Meeting.objects.filter(committee=committee, start=start).exists():
            return
        meeting = self.draft_meeting(
            row,
            start=start,
            end=self.at(held, row["end_time"]),
            reference=f"{held.isoformat()}T{row['start_time']}",
        )
        self.backdate_transitions(
            meeting,
            {
                Meeting.Status.AGENDA_DRAFTED: self.at(held - timedelta(days=21), "10:00"),
                Meeting.Status.SUMMONED: self.at(held - timedelta(days=10), "10:00"),
                Meeting.Status.HELD: start,
                Meeting.Status.PROTOKOLL_DRAFTED: self.at(held, row["end_time"]),
            },
        )
        justerat = today - timedelta(days=row["justerat_days_ago"])
        frozen = held + timedelta(days=1)
        signers = row["signers"]
        people = [
            (signers["secretary"], Signature.Role.SECRETARY),
            (signers["chair"], Signature.Role.CHAIR),
            *((name, Signature.Role.ADJUSTER) for name in signers["adjusters"]),
        ]
        # Signed one after the other between the freezing and the justering day.
        step = (self.at(justerat, "14:00") - self.at(frozen, "10:30")) / max(len(people) - 1, 1)
        signed = [self.at(frozen, "10:30") + step * index for index in range(len(people))]
        iso = "%Y-%m-%dT%H:%M"
        self.load_signed_justering(
            meeting,
            {
                "deadline": (held + timedelta(days=committee.justering_days)).isoformat(),
                "frozen_at": self.at(frozen, "10:00").strftime(iso),
                "completed_at": signed[-1].strftime(iso),
                "posted_on": (today - timedelta(days=row["posted_days_ago"])).isoformat(),
                "signatures": [
                    {"person": name, "role": role, "signed_at": at.strftime(iso)}
                    for (name, role), at in zip(people, signed, strict=True)
                ],
            },
            final_status=Meeting.Status.POSTED,
        )

    def load_notices(self):
        """Two notices besides the protokoll: the ANA delegationsbeslut posted on their own
        (their appeal period runs from this anslag) and the next Kommunalt forum meeting."""
        today = self.today()
        ana = self.committees["ANA"]
        if not self.anslag_up(committee=ana, kind=Anslag.Kind.DELEGATION).exists():
            decisions = (
                DelegatedDecision.objects.filter(point__committee=ana)
                .select_related("point", "decision_maker")
                .order_by("decided_on", "pk")
            )
            anslag_post_notice(
                committee=ana,
                kind=Anslag.Kind.DELEGATION,
                title=f"Delegationsbeslut, {ana.name}",
                body=delegated_decisions_notice_text(decisions),
                posted_on=today - timedelta(days=2),
            )
            self.created["anslag (delegationsbeslut)"] += 1

        forum = self.committees["KF"]
        upcoming = (
            Meeting.objects.filter(
                committee=forum,
                status__in=Meeting.Status.UPCOMING,
                start__date__gt=today,
            )
            .order_by("start")
            .first()
        )
        if upcoming is None:
            day = today + timedelta(days=11)
            while day.weekday() != 4:  # the forum meets on Fridays
                day += timedelta(days=1)
            upcoming = Meeting(
                committee=forum,
                start=self.at(day, "09:00"),
                end=self.at(day, "12:00"),
                location="Regionens hus, Jönköping",
                secretary=self.person("Josefine Colliander"),
                chair=self.person("Rachel De Basso"),
                signature_reference=self.demo_reference(forum, f"{day.isoformat()}T09:00"),
                note="Invented for the demo: the next meeting, announced on the anslagstavla.",
            )
            upcoming.save()
            self.created["planned meeting"] += 1
        if not Anslag.objects.filter(meeting=upcoming, kind=Anslag.Kind.MEETING).exists():
            when = timezone.localtime(upcoming.start)
            anslag_post_notice(
                committee=forum,
                kind=Anslag.Kind.MEETING,
                meeting=upcoming,
                title=f"Sammanträde med {forum.name} {when:%Y-%m-%d} kl. {when:%H.%M}",
                body=(
                    f"{forum.name} sammanträder {when:%Y-%m-%d} kl. {when:%H.%M}"
                    f"{', ' + upcoming.location if upcoming.location else ''}.\n"
                    "Föredragningslistan publiceras på webbplatsen när kallelsen har skickats."
                ),
                posted_on=today,
            )
            self.created["anslag (sammanträde)"] += 1

    def take_down_due_anslag(self):
        """What the beat task does each hour: take down every anslag whose time is over. Each
        is recorded as taken down early on its take-down day, as the beat task would have."""
        for anslag in Anslag.objects.filter(pk__in=anslag_take_down_due()).select_related("meeting"):
            at = self.at(anslag.take_down_on, "00:05")
            Anslag.objects.filter(pk=anslag.pk).update(taken_down_at=at)
            if anslag.meeting_id and anslag.kind == Anslag.Kind.PROTOKOLL:
                self.backdate_transitions(anslag.meeting, {Meeting.Status.TAKEN_DOWN: at})
            self.created["anslag taken down"] += 1

    # -- laga kraft ---------------------------------------------------------------------------
    # One § of Kommunalt forum's 2024-12-13 protokoll was appealed within the appeal time (its
    # anslag went up 2024-12-20, the last day was 2025-01-10) and the court has not decided:
    # it shows överklagat. Every other § of the 2024 protokoll has vunnit laga kraft, and its
    # laga kraft-bevis is sealed on demand from the § page (invented; docs/laga-kraft.md).
    DEMO_APPEAL = {
        "committee": "KF",
        "year": 2024,
        "number": 16,
        "appellant": "Sven Svensson, Jönköping",
        "received_on": "2025-01-08",
        "court": "Förvaltningsrätten i Jönköping",
        "court_case_number": "123-25",
    }

    def load_appeals(self):
        row = self.DEMO_APPEAL
        paragraph = Paragraph.objects.get(
            committee=self.committees[row["committee"]], year=row["year"], number=row["number"]
        )
        if paragraph.appeals.exists():
            return
        appeal_register(
            paragraph=paragraph,
            appellant=row["appellant"],
            received_on=self.day(row["received_on"]),
            court=row["court"],
            court_case_number=row["court_case_number"],
        )
        self.created["överklaganden"] += 1


def summary_counts() -> str:
    counts = [
        (Committee.objects.count(), "committees"),
        (Person.objects.count(), "people"),
        (Meeting.objects.count(), "meetings"),
        (AgendaItem.objects.count(), "agenda items"),
        (Paragraph.objects.count(), "paragraphs"),
        (DelegatedDecision.objects.count(), "delegationsbeslut"),
        (Remiss.objects.count(), "remisser"),
    ]
    return ", ".join(f"{number} {label}" for number, label in counts)


class Command(BaseCommand):
    help = (
        "Load the demo data (Region Jönköpings län: Kommunalt forum, ANA and the motion "
        "Kultur för hälsa) and the demo logins. Safe to run again."
    )

    def handle(self, *args, **options):
        loader = DemoLoader(DATA_DIR)
        with transaction.atomic():
            loader.run()
        search_reindex_all()  # so the public search finds the demo at once

        if options["verbosity"] >= 2:
            for label in sorted(set(loader.created) | set(loader.updated)):
                self.stdout.write(
                    f"  {label}: {loader.created[label]} created, {loader.updated[label]} updated"
                )
        changes = sum(loader.created.values()) + sum(loader.updated.values())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({changes} rows created or updated)."))
        self.stdout.write("Demo logins (demo only):")
        width = max(len(spec["username"]) for spec in DEMO_LOGINS)
        for spec in DEMO_LOGINS:
            who = f"{spec['person']}, " if spec["person"] else ""
            self.stdout.write(
                f"  {spec['username']:<{width}}  {spec['password']}  {who}{spec['description']}"
            )
        self.stdout.write(f"Totals: {summary_counts()}.")
