"""Bevakning's pages: subscribe, "check your e-mail", confirm, unsubscribe. Thin: the rules
are in alerts.services. Each page works without JavaScript; none is cached (each holds a
token or a form).

The unsubscribe URL is also the RFC 8058 one-click address: a POST to it unsubscribes without
a CSRF token or a login (the signed token is the authority); a GET only shows the button, so a
mail scanner that opens links unsubscribes nobody.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from committees.access import client_ip_address
from committees.models import Committee

from . import services, tokens
from .forms import SubscribeForm
from .models import Subscription
from .tokens import SubscriptionRequest, TokenError


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            asked = SubscriptionRequest(
                email=data["email"],
                kind=data["kind"],
                committee_id=data["organ"].pk if data["kind"] == Subscription.Kind.COMMITTEE else None,
                query=data["q"] if data["kind"] == Subscription.Kind.QUERY else "",
                diarienummer=data["diarienummer"] if data["kind"] == Subscription.Kind.CASE else "",
                frequency=data["frequency"],
            )
            try:
                services.request_subscription(asked, client=client_ip_address(request))
            except services.RateLimited:
                context = {"form": form, "rate_limited": True}
                return render(request, "alerts/subscribe.html", context, status=429)
            return redirect("alerts:sent")
        return render(request, "alerts/subscribe.html", {"form": form}, status=400)
    initial = {}
    if request.GET.get("organ"):
        initial.update(kind=Subscription.Kind.COMMITTEE, organ=request.GET["organ"][:100])
    elif request.GET.get("q"):
        initial.update(kind=Subscription.Kind.QUERY, q=request.GET["q"][:200])
    elif request.GET.get("diarienummer"):
        initial.update(kind=Subscription.Kind.CASE, diarienummer=request.GET["diarienummer"][:40])
    return render(request, "alerts/subscribe.html", {"form": SubscribeForm(initial=initial)})


@never_cache
@require_safe
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/sent.html")


def _refused(request, code: str) -> HttpResponse:
    messages = {
        "expired": _("The confirmation link has expired. Ask for the bevakning again."),
        "invalid": _("The link is not valid: it may be incomplete or changed."),
    }
    return render(request, "alerts/refused.html", {"message": messages[code], "code": code}, status=400)


def _what(asked: SubscriptionRequest) -> str:
    committee = Committee.objects.filter(pk=asked.committee_id).first() if asked.committee_id else None
    return services.describe(
        asked.kind, committee=committee, query=asked.query, diarienummer=asked.diarienummer
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what is confirmed and a button; the POST creates the subscription."""
    try:
        asked = tokens.read_confirm_token(token)
        if request.method != "POST":
            context = {"what": _what(asked), "email": asked.email, "asked": asked}
            return render(request, "alerts/confirm.html", context)
        subscription = services.subscription_confirm(asked)
    except TokenError as error:
        return _refused(request, error.code)
    context = {
        "what": _what(asked),
        "email": subscription.email,
        "frequency": subscription.get_frequency_display(),
        "unsubscribe": reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(subscription.pk)]),
    }
    return render(request, "alerts/confirmed.html", context)


@csrf_exempt  # RFC 8058: the one-click POST comes from a mail program, with no CSRF token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pk = tokens.read_unsubscribe_token(token)
    except TokenError as error:
        return _refused(request, error.code)
    if request.method == "POST":
        deleted = services.subscription_delete(pk)
        return render(request, "alerts/unsubscribed.html", {"deleted": deleted})
    subscription = Subscription.objects.select_related("committee").filter(pk=pk).first()
    if subscription is None:
        return render(request, "alerts/unsubscribed.html", {"deleted": False})
    what = services.describe(
        subscription.kind,
        committee=subscription.committee,
        query=subscription.query,
        diarienummer=subscription.diarienummer,
    )
    return render(request, "alerts/unsubscribe.html", {"what": what, "email": subscription.email})
