"""Who may open the secretary's workspace: the one guard every workspace view passes through.

Every view in `workspace/views/` is wrapped by one of the decorators below; the guard resolves
the object of the URL (a meeting by `pk`, a committee by `committee_pk`) through
`committees.visibility` and answers 404 for anything the user does not administer, before the
view runs, for GET and POST alike. `tests/test_workspace_access.py` enumerates every workspace
URL pattern and checks that each view carries the guard and that a secretary of another
committee gets 404 for GET and POST; `tests/test_permission_matrix.py` covers the roles.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest

from committees.visibility import committees_administered, secretary_meetings

GUARD_ATTRIBUTE = "workspace_guard"


def is_workspace_user(user) -> bool:
    """A staff login that administers at least one committee (secretary; superusers)."""
    return bool(user.is_authenticated and user.is_staff and committees_administered(user).exists())


def _guarded(view, kind: str):
    setattr(view, GUARD_ATTRIBUTE, kind)
    return view


def workspace_view(view):
    """A page of the workspace itself (the start page): secretaries only, 404 for others."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_workspace_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return _guarded(wrapped, "workspace")


def committee_view(view):
    """A page of one committee (`committee_pk` in the URL): `view(request, committee, ...)`."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, committee_pk: int, *args, **kwargs):
        if not request.user.is_staff:
            raise Http404
        committee = committees_administered(request.user).filter(pk=committee_pk).first()
        if committee is None:
            raise Http404
        return view(request, committee, *args, **kwargs)

    return _guarded(wrapped, "committee")


def meeting_view(view):
    """A page of one meeting (`pk` in the URL): `view(request, meeting, ...)`; the meeting is
    one the user administers (`committees.visibility.secretary_meetings`), else 404."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args, **kwargs):
        meeting = (
            secretary_meetings(request.user)
            .select_related("committee", "chair", "secretary")
            .filter(pk=pk)
            .first()
        )
        if meeting is None:
            raise Http404
        return view(request, meeting, *args, **kwargs)

    return _guarded(wrapped, "meeting")
