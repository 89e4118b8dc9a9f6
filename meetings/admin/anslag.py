"""The anslagstavla in the admin: posting a notice (`AnslagNoticeForm`; the rules decide its
days) and the anslag list with its public links."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from committees.scoping import ScopedHistoryAdmin, ScopedTabularInline
from meetings.anslag.rules import (
    NOTICE_KINDS,
    anslag_notice_check,
    anslag_post_notice,
)
from meetings.lagakraft.rules import anslag_apply_joint_postings
from meetings.models import (
    Anslag,
    JointPosting,
)


class JointPostingInline(ScopedTabularInline):
    """Gemensam nämnd: the day each cooperating organisation announced the justering on its own
    anslagstavla. The appeal time counts from the last of them (KL 13 kap. 5 §)."""

    model = JointPosting
    extra = 0
    verbose_name = _("posting by a cooperating organisation (gemensam nämnd)")
    verbose_name_plural = _("postings by the cooperating organisations (gemensam nämnd)")


class AnslagNoticeForm(forms.ModelForm):
    """A notice to post (delegationsbeslut, sammanträde, other). The service decides the days:
    see `anslag_notice_check`."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(kind.value, kind.label) for kind in NOTICE_KINDS],
        help_text=_(
            "Delegationsbeslut stay up for the appeal period (three weeks, to the next working day); "
            "a sammanträde until the day after the meeting; another notice until the day you choose."
        ),
    )

    class Meta:
        model = Anslag
        fields = ["kind", "committee", "meeting", "title", "body", "posted_on", "take_down_on"]
        help_texts = {"take_down_on": _("Only for another notice; otherwise it is computed.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posted_on"].initial = timezone.localdate
        self.fields["take_down_on"].required = False

    def clean_posted_on(self):
        posted_on = self.cleaned_data["posted_on"]
        if posted_on < timezone.localdate():
            raise ValidationError(
                _("A notice cannot be posted on a day that has passed."), code="posted_in_past"
            )
        return posted_on

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        # The service's rules, so that a refusal is shown on the form (a non-field error).
        anslag_notice_check(
            committee=data["committee"],
            kind=data["kind"],
            title=data.get("title", ""),
            posted_on=data["posted_on"],
            meeting=data.get("meeting"),
            take_down_on=data.get("take_down_on"),
        )
        return data


@admin.register(Anslag)
class AnslagAdmin(ScopedHistoryAdmin):
    """The anslagstavla in the admin. A protokoll's anslag is posted from its meeting (action
    "Post the anslag"); here a secretary posts other notices for their committees. Posted
    anslag are records: their days are not edited, and they are taken down by the beat task."""

    list_display = [
        "title",
        "committee",
        "kind",
        "posted_on",
        "appeal_ends_on",
        "take_down_on",
        "taken_down_at",
    ]
    list_filter = ["kind", "committee", "posted_on"]
    search_fields = ["title", "body"]
    autocomplete_fields = ["meeting"]
    list_select_related = ["committee"]
    date_hierarchy = "posted_on"
    add_form = AnslagNoticeForm
    inlines = [JointPostingInline]

    def get_inlines(self, request, obj):
        # Only a protokoll's anslag is announced by the cooperating organisations as well.
        return self.inlines if obj is not None and obj.kind == Anslag.Kind.PROTOKOLL else []

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and form.instance.kind == Anslag.Kind.PROTOKOLL:
            anslag_apply_joint_postings(anslag=form.instance)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return AnslagNoticeForm._meta.fields
        return [
            "kind",
            "committee",
            "meeting",
            "title",
            "body",
            "posted_on",
            "appeal_ends_on",
            "take_down_on",
            "taken_down_at",
            "storage_location",
            "public_page",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = [f for f in self.get_fields(request, obj) if f not in ("title", "body")]
        if obj.kind == Anslag.Kind.PROTOKOLL:
            fields += ["title", "body"]
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        posted = anslag_post_notice(
            committee=data["committee"],
            kind=data["kind"],
            title=data["title"],
            body=data.get("body", ""),
            meeting=data.get("meeting"),
            posted_on=data["posted_on"],
            take_down_on=data.get("take_down_on"),
        )
        obj.pk = posted.pk
        obj.appeal_ends_on, obj.take_down_on = posted.appeal_ends_on, posted.take_down_on

    def has_delete_permission(self, request, obj=None):
        # An anslag is a record of what was announced and when; it is taken down, not deleted.
        return False

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        url = reverse("portal:anslag", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, url)
