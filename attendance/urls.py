from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("<int:pk>/", views.attendance_sheet, name="sheet"),
    path("<int:pk>/paragraf/<int:paragraph_pk>/", views.paragraph_decision, name="paragraph"),
    path("min-narvaro/", views.my_attendance, name="mine"),
    path("rapport/", views.attendance_report_view, name="report"),
]
