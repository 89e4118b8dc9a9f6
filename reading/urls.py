"""The members' reading view and their annotations (paths in Swedish: what members see)."""

from django.urls import path

from . import views

app_name = "reading"

urlpatterns = [
    path("mina-sammantraden/anteckningar/export.json", views.export, name="export"),
    path("mina-sammantraden/<int:pk>/handlingar/<int:document_pk>/las/", views.read, name="read"),
    path(
        "mina-sammantraden/<int:pk>/handlingar/<int:document_pk>/anteckningar/",
        views.annotations,
        name="annotations",
    ),
    path(
        "mina-sammantraden/<int:pk>/handlingar/<int:document_pk>/anteckningar/<uuid:client_id>/",
        views.annotation_delete,
        name="annotation_delete",
    ),
]
