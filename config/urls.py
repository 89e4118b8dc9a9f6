from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = "Paragraf"
admin.site.site_title = "Paragraf"
admin.site.index_title = _("Committee administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("register/", include("cases.urls")),
    path("", include("meetings.urls")),
    path("narvaro/", include("attendance.urls")),
]

# Media files are never served by URL: they may be confidential. Views stream each file
# after checking the user's permission for it.
