"""Public pages: start page, committees, meetings and protokoll, cases, handlingar."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


start = committees = committee = protokoll_list = meeting = protokoll = protokoll_pdf = _todo
paragraph = protokollsutdrag = case = document = accessibility = _todo
