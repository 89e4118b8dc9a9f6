"""Sekretess: what is confidential under OSL (offentlighets- och sekretesslagen, 2009:400).

`Confidentiality` is the one definition of the sekretess fields of a case, a handling, an
agenda item and a paragraph: the flag, the OSL ground it cites, the database constraint and
the validation that a confidential record names its ground. What the public may see of a
confidential record is decided in `portal/published.py`, not here.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The one message for a confidential record without its ground, shown beside the field (the
# forms that check before the model does, e.g. the upload of a handling, use it too).
OSL_REFERENCE_REQUIRED = _('Give the OSL ground of the secrecy, for example "OSL 26 kap. 1 §".')


class Confidentiality(models.Model):
    """Abstract: `confidential` and `osl_reference`, with the same constraint and `clean()`
    on every model that has them. A subclass with a Meta of its own extends this one's
    (`class Meta(Confidentiality.Meta)`, `constraints = [*Confidentiality.Meta.constraints, …]`)."""

    confidential = models.BooleanField(_("confidential"), default=False)
    osl_reference = models.CharField(
        _("OSL reference"),
        max_length=100,
        blank=True,
        help_text=_('The ground for secrecy, for example "OSL 26 kap. 1 §".'),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(confidential=False) | ~Q(osl_reference=""),
                name="%(class)s_confidential_needs_osl",
            ),
        ]

    def clean(self):
        super().clean()
        if self.confidential and not (self.osl_reference or "").strip():
            raise ValidationError(
                {"osl_reference": ValidationError(OSL_REFERENCE_REQUIRED, code="osl_reference_required")}
            )
