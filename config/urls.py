from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config import views as config_views

admin.site.site_header = "Paragraf"
admin.site.site_title = "Paragraf"
admin.site.index_title = _("Committee administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sprak/<str:code>/", config_views.language, name="language"),
    path("register/", include("cases.urls")),
    path("narvaro/", include("attendance.urls")),
    path("sekretariat/", include("workspace.urls")),  # the secretary's workspace
    path("oparl/v1.1/", include("oparl.urls")),
    path("konto/", include("committees.urls_account")),  # two-step verification
    path("bevakning/", include("alerts.urls")),  # the public's e-mail subscriptions
    path("", include("reading.urls")),  # the reading view and private annotations
    path("", include("meetings.urls")),  # the members' pages: /mina-sammantraden/, /konto/, ...
    path("", include("portal.urls")),  # the public portal: /, /anslagstavla/, /protokoll/, ...
]

# Media files are never served by URL: they may be confidential. Views stream each file
# after checking the user's permission for it.
