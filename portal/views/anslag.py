"""The digital anslagstavla: current anslag, one anslag, the archive."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


anslagstavla = anslag = archive = _todo
