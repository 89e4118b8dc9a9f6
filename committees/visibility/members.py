"""What a member may see and do on the members' pages (Mina sammanträden), outside the admin.

A *member* here is anyone with a current assignment in a committee: ordförande, ledamot,
ersättare, secretary or tjänsteperson (`Committee.objects.for_member`). The answers:

- `meetings_visible_to(user)`: the meetings of the user's committees. Any other meeting
  answers 404 on the members' pages, as if it did not exist.
- `agenda_visible(meeting)`: members see the agenda, the kallelse and the handlingar once the
  kallelse has been sent (a drafted agenda is the secretary's until then).
- `documents_visible_to(user, meeting)`: the handlingar of the meeting's agenda the user may
  download: all of them, the confidential ones too (members need them to decide), once the
  agenda is visible; none otherwise.
- `documents_offline_for(user, meeting)` / `kallelse_offline_allowed(meeting)`: what of that a
  member may save in the browser for reading offline: the confidential handlingar (and the
  kallelse that holds them) only where the committee allows it (`offline_confidential_allowed`).
- `protokoll_meetings_visible_to(user)`: the meetings whose protokoll of record (and its
  protokollsutdrag) the user may read: their committees', the committees they are secretary
  of (superusers: all), and the meetings where they are one of the signers.
- `immediate_utdrag_visible_to(user, meeting, ...)`: before the protokoll is justerat, the
  extract of a § with omedelbar justering: its signers and the committee's secretaries at once,
  everyone who may read the protokoll once the ordförande and a justerare have signed.
- `signatures_of(user)` / `may_sign(user, signature)`: a signing page is only its signer's
  (a person acts for themselves); anyone else gets 404.
- `secretary_meetings(user)`: the meetings whose närvaro, jäv and votes the user keeps outside
  the admin: a staff login that administers the meeting's committee (committees.visibility.admin).

The models of the apps above committees (meetings, cases) are reached through the app registry,
not imported, so committees stays the bottom layer (docs/architecture.md). The status groups
are the meetings app's (`Meeting.Status.SUMMONED_OR_LATER`);
tests/test_visibility_matrix.py checks that they agree.
"""

from django.apps import apps
from django.db.models import Q, QuerySet

from ..models import Committee
from .admin import administered


def _meeting_model():
    return apps.get_model("meetings", "Meeting")


def _not_summoned() -> frozenset[str]:
    """The statuses in which the kallelse has not gone out: planned, agenda drafted, cancelled."""
    status = _meeting_model().Status
    return frozenset(set(status) - set(status.SUMMONED_OR_LATER))


def agenda_visible_statuses() -> tuple[str, ...]:
    """The statuses in which members see the agenda and the handlingar (kallelse sent)."""
    return tuple(_meeting_model().Status.SUMMONED_OR_LATER)


def member_committees(user) -> QuerySet[Committee]:
    """The committees where the user has a current assignment, whatever the role."""
    return Committee.objects.for_member(user)


def meetings_visible_to(user) -> QuerySet:
    """The meetings on the user's members' pages: those of the committees where they have a
    current assignment."""
    return _meeting_model().objects.filter(committee__in=member_committees(user))


def meeting_visible_to(user, meeting) -> bool:
    return meetings_visible_to(user).filter(pk=meeting.pk).exists()


def agenda_visible(meeting) -> bool:
    """Members see the agenda and the handlingar once the kallelse has been sent."""
    return meeting.status not in _not_summoned()


def documents_visible_to(user, meeting) -> QuerySet:
    """The handlingar of the meeting's agenda the user may download (the confidential ones too):
    all of them when the meeting is one of the user's and its agenda is visible, else none."""
    documents = apps.get_model("cases", "Document").objects
    if not (agenda_visible(meeting) and meeting_visible_to(user, meeting)):
        return documents.none()
    return documents.filter(attachments__agenda_item__meeting=meeting).distinct()


def documents_offline_for(user, meeting) -> QuerySet:
    """The handlingar of `documents_visible_to` the user may save in the browser for reading
    offline: all of them when the committee allows confidential handlingar offline
    (`Committee.offline_confidential_allowed`), else only those that are not confidential and
    are attached to no confidential item of the meeting."""
    documents = documents_visible_to(user, meeting)
    if meeting.committee.offline_confidential_allowed:
        return documents
    secret_items = Q(attachments__agenda_item__meeting=meeting, attachments__agenda_item__confidential=True)
    return documents.exclude(confidential=True).exclude(pk__in=documents.filter(secret_items).values("pk"))


def meeting_has_confidential(meeting) -> bool:
    """Whether the meeting's agenda has a confidential item or handling (what decides whether
    the members' kallelse, which holds them all, may be saved offline)."""
    secret = Q(confidential=True) | Q(attachments__document__confidential=True)
    return meeting.agenda_items.filter(secret).exists()


def kallelse_offline_allowed(meeting) -> bool:
    """The members' kallelse PDF holds every item and handling, the confidential ones too: it
    may be saved offline when there is none, or when the committee allows confidential ones."""
    return meeting.committee.offline_confidential_allowed or not meeting_has_confidential(meeting)


def protokoll_meetings_visible_to(user) -> QuerySet:
    """The meetings whose protokoll the user may read: the committees where they have an
    assignment or are secretary (superusers: all), and the meetings where they are a signer."""
    if not user.is_authenticated:
        return _meeting_model().objects.none()
    return (
        _meeting_model()
        .objects.filter(
            Q(committee__in=member_committees(user))
            | Q(committee__in=Committee.objects.for_secretary(user))
            | Q(justering__signatures__person__user=user)
        )
        .distinct()
    )


def is_secretary_of(user, committee) -> bool:
    """Is the user currently secretary of the committee (superusers: of every committee)."""
    return Committee.objects.for_secretary(user).filter(pk=getattr(committee, "pk", committee)).exists()


def immediate_utdrag_visible_to(user, meeting, *, complete: bool, signer: bool) -> bool:
    """The protokollsutdrag of a § with omedelbar justering before the protokoll is justerat:
    for its signers and the committee's secretaries at once, for every reader of the protokoll
    once it is complete (the ordförande and a justerare signed). `meeting` must be one of
    `protokoll_meetings_visible_to(user)`."""
    return complete or signer or is_secretary_of(user, meeting.committee_id)


def signatures_of(user) -> QuerySet:
    """The signatures the user gives: only these signing pages open for them."""
    if not user.is_authenticated:
        return apps.get_model("meetings", "Signature").objects.none()
    return apps.get_model("meetings", "Signature").objects.filter(person__user=user)


def may_sign(user, signature) -> bool:
    """A signature is given only by its own person, by their own action."""
    return bool(signature is not None and user.is_authenticated and signature.person.user_id == user.pk)


def secretary_meetings(user) -> QuerySet:
    """The meetings whose närvaro, jäv, votes and arvode report the user keeps on the secretary's
    pages outside the admin: a staff login, and the meeting's committee administered by them."""
    meeting = _meeting_model()
    if not user.is_authenticated or not user.is_staff:
        return meeting.objects.none()
    return administered(user, meeting)
