"""The committee's archive delivery (e-arkiv): the years with a justerat protokoll, whether each
has been delivered, and the button that builds the year's E-ARK package (archive/, a task)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from archive.services import committee_years, delivered, export_request

from ..access import committee_view


class ExportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1900, max_value=2200)


@committee_view
def archive_delivery(request, committee):
    years = committee_years(committee)
    form = ExportForm()
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid() and form.cleaned_data["year"] in years:
            year = form.cleaned_data["year"]
            # The task reads only committed rows and writes files, never the database.
            if export_request(committee=committee, year=year):
                messages.success(
                    request,
                    _("The %(year)s archive package is being built; it is moved into place once it is valid.")
                    % {"year": year},
                )
            else:
                messages.error(request, _("The export could not be started just now; try again in a while."))
            return redirect(reverse("workspace:archive", args=[committee.pk]))
        if form.is_valid():
            form.add_error("year", _("The committee has no justerat protokoll that year."))
    rows = [{"year": year, "delivered": delivered(committee, year)} for year in years]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "workspace/archive.html", {"committee": committee, "rows": rows, "form": form}, status=status
    )


urlpatterns = [
    path("namnder/<int:committee_pk>/arkivleverans/", archive_delivery, name="archive"),
]
