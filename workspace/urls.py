"""/sekretariat/: the secretary's workspace. Each area of the meeting's life has its module in
`workspace/views/` with its own `urlpatterns`; they are joined here."""

from django.urls import path

from .views import (
    archive,
    attendance,
    bilagor,
    home,
    kallelse,
    lagakraft,
    meeting,
    numbering,
    plan,
    protokoll,
    signers,
)

app_name = "workspace"

urlpatterns = [
    path("", home.start, name="home"),
    path("sammantraden/<int:pk>/", meeting.overview, name="meeting"),
    *meeting.urlpatterns,
    *kallelse.urlpatterns,
    *plan.urlpatterns,
    *attendance.urlpatterns,
    *protokoll.urlpatterns,
    *bilagor.urlpatterns,
    *numbering.urlpatterns,
    *signers.urlpatterns,
    *lagakraft.urlpatterns,
    *archive.urlpatterns,
]
