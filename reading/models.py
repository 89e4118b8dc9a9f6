"""A member's private annotations in the handlingar: highlights and notes per page.

They are the member's own and no one else's: not the secretary's, not an administrator's. So
the model is not registered in the admin, not history-recorded (audit/history.py), not in OParl,
the portal or any export but the member's own, and every query goes through
`Annotation.objects.of(user)` (docs/security.md, "Private annotations").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnnotationQuerySet(models.QuerySet):
    def of(self, user) -> AnnotationQuerySet:
        """The user's own annotations; nothing for an anonymous user. The only way in."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class Annotation(models.Model):
    class Kind(models.TextChoices):
        HIGHLIGHT = "highlight", _("highlight")
        NOTE = "note", _("note")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner")
    )
    document = models.ForeignKey(
        "cases.Document", on_delete=models.CASCADE, related_name="+", verbose_name=_("handling")
    )
    page = models.PositiveIntegerField(_("page"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Rectangles on the page, each [x, y, width, height] as fractions (0..1) of the page's size.
    rects = models.JSONField(_("rectangles"), default=list, blank=True)
    quote = models.TextField(_("quote"), blank=True)
    text = models.TextField(_("note"), blank=True)
    # Made by the browser: an offline client sends the same annotation twice without a duplicate.
    client_id = models.UUIDField(_("client id"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"))

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["page", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "client_id"], name="reading_annotation_owner_client_id")
        ]
        indexes = [models.Index(fields=["owner", "document"], name="reading_annotation_owner_doc")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} p. {self.page}"
