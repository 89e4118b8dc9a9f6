"""Turns the database's refusal to change a frozen protokoll into a message for the user."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from .locks import protokoll_lock_error


class ProtokollLockedMiddleware:
    """The ORM refuses a change to a frozen protokoll with `ProtokollLockedError` before any SQL
    is sent; the database triggers (audit.locks) refuse whatever slips past it, such as a save
    racing the freezing. A user who meets that refusal gets the same message, not a server
    error: after a form post they are sent back to the page, which now shows the protokoll
    read-only. The request's transaction has been rolled back by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not protokoll_lock_error(exception):
            return None
        text = _("The protokoll has been sent for justering; it can no longer be changed.")
        if request.method == "POST":
            messages.error(request, text)
            return HttpResponseRedirect(request.get_full_path())
        return HttpResponse(text, status=409, content_type="text/plain; charset=utf-8")
