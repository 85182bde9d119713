"""Subscribe, confirm and unsubscribe pages: parse the request, call subscriptions, render."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from registry import ratelimit, subscriptions
from registry.models import Company, Subscription


class SubscribeForm(forms.Form):
    # Not stripped, so a CR/LF anywhere is seen and refused rather than silently trimmed.
    email = forms.CharField(max_length=subscriptions.MAX_EMAIL_LENGTH, strip=False)
    frequency = forms.ChoiceField(
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.IMMEDIATE,
        required=False,
    )

    def clean_email(self) -> str:
        try:
            return subscriptions.normalise_email(self.cleaned_data["email"])
        except subscriptions.InvalidEmail as error:
            raise forms.ValidationError(str(error)) from error


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    return _subscribe(request, get_object_or_404(Company, slug=slug))


@require_http_methods(["GET", "POST"])
def subscribe_all(request: HttpRequest) -> HttpResponse:
    return _subscribe(request, None)


def _subscribe(request: HttpRequest, company: Company | None) -> HttpResponse:
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        status = 400 if request.method == "POST" else 200
        context = {"form": form, "company": company}
        return render(request, "registry/subscribe_form.html", context, status=status)
    subscriptions.subscribe(
        form.cleaned_data["email"],
        company=company,
        frequency=form.cleaned_data["frequency"] or Subscription.Frequency.IMMEDIATE,
        client_ip=ratelimit.client_ip(request),
        now=timezone.now(),
    )
    # The same page whatever happened (new, pending, active, throttled): no enumeration.
    return render(request, "registry/subscribe_sent.html", {"company": company})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            # Mail scanners follow links; only a POST from the page confirms.
            subscription = subscriptions.check_confirm(token)
            return render(request, "registry/subscribe_confirm.html", {"sub": subscription})
        subscription = subscriptions.confirm(token, now=timezone.now())
    except subscriptions.BadToken as error:
        return _bad_token(request, error)
    return _done(request, "registry/subscribe_confirmed.html", subscription)


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a CSRF token; the token authenticates.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "GET":
            subscription = subscriptions.check_unsubscribe(token)
            return render(request, "registry/subscribe_unsubscribe.html", {"sub": subscription})
        subscription = subscriptions.unsubscribe(token, now=timezone.now())
    except subscriptions.BadToken as error:
        return _bad_token(request, error)
    return _done(request, "registry/subscribe_unsubscribed.html", subscription)


def _done(request: HttpRequest, template: str, subscription: Subscription) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only same-site relative paths: an emailed link must never bounce to another host.
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        return HttpResponseRedirect(target)
    return render(request, template, {"sub": subscription})


def _bad_token(request: HttpRequest, error: subscriptions.BadToken) -> HttpResponse:
    status = 410 if error.reason in ("expired", "used") else 400
    context = {"reason": error.reason}
    return render(request, "registry/subscribe_invalid.html", context, status=status)
