from django import forms
from django.utils.translation import gettext_lazy as _

from portal.published import published_committees
from portal.search import MAX_QUERY

from .models import Subscription
from .services import normalised_diarienummer


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    kind = forms.ChoiceField(
        label=_("What do you want to follow?"),
        choices=Subscription.Kind.choices,
        widget=forms.RadioSelect,
        initial=Subscription.Kind.COMMITTEE,
    )
    organ = forms.ModelChoiceField(
        label=_("Committee"),
        queryset=published_committees().order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=_("Choose a committee"),
        error_messages={"invalid_choice": _("There is no such committee.")},
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_QUERY,
        help_text=_("Words or a phrase in quotes, as in the search."),
    )
    diarienummer = forms.CharField(
        label=_("Diarienummer"),
        required=False,
        max_length=40,
        help_text=_('Such as "KS 2022/2018".'),
    )
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=Subscription.Frequency.choices,
        widget=forms.RadioSelect,
        initial=Subscription.Frequency.IMMEDIATE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organ"].queryset = published_committees().order_by("name")

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Subscription.Kind.COMMITTEE and not data.get("organ") and "organ" not in self.errors:
            self.add_error("organ", _("Choose the committee to follow."))
        elif kind == Subscription.Kind.QUERY and not data.get("q") and "q" not in self.errors:
            self.add_error("q", _("Write what to search for."))
        elif kind == Subscription.Kind.CASE and "diarienummer" not in self.errors:
            number = normalised_diarienummer(data.get("diarienummer") or "")
            if number is None:
                self.add_error(
                    "diarienummer", _('Give a diarienummer as year/number, such as "KS 2022/2018".')
                )
            else:
                data["diarienummer"] = number
        return data
