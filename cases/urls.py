from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("remisser/", views.remisser, name="remisser"),
    path("motioner/", views.motioner, name="motioner"),
    path("arenden/<int:pk>/", views.case_detail, name="case_detail"),
    path("<slug:name>/export.<str:fmt>", views.register_export, name="export"),
]
