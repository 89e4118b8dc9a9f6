"""What the OParl API has published: one row per object it has ever served (docs/open-data.md).

`oparl.records.records_refresh()` renders every published object, compares a digest of its
JSON with the stored one and so knows, for every object, when it first became public
(`created`), when its JSON last changed (`modified`) and when it stopped being public
(`deleted_at`: then the API serves it as a tombstone `{"id", "type", "deleted": true,
"modified"}`). Nothing of the object's content is stored here, only its digest.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Record(models.Model):
    kind = models.CharField(_("kind"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("object id"))
    # The body whose lists show the object; null for objects of every body (mandatperioder).
    body_id = models.PositiveBigIntegerField(_("body"), null=True, blank=True)
    digest = models.CharField(_("digest of the JSON"), max_length=64)
    created = models.DateTimeField(_("created"))
    modified = models.DateTimeField(_("modified"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("OParl record")
        verbose_name_plural = _("OParl records")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="oparl_record_unique")]
        indexes = [models.Index(fields=["kind", "modified"]), models.Index(fields=["modified"])]

    def __str__(self):
        return f"{self.kind} {self.object_id}"
