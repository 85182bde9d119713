"""Public pages as thin function views; each runs a fixed number of SQL queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from registry import cards, charts, evidence, exports, queries
from registry.models import Company, Vendor

SUBSCRIBE_FORM = "registry/_subscribe_form.html"
MAX_QUERY_LENGTH = 200


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # NUL is refused by PostgreSQL in text parameters; it is never part of a real search.
    q = request.GET.get("q", "").replace("\x00", "")[:MAX_QUERY_LENGTH]
    companies = list(queries.company_list(q=q))
    return render(request, "registry/home.html", {"companies": companies, "q": q})


@require_safe
def company(request: HttpRequest, slug: str) -> HttpResponse:
    found = queries.company_with_last_check(slug)
    if found is None:
        raise Http404("No such company")
    raw_day = request.GET.get("as_of", "")
    if raw_day:
        return _company_as_of(request, found, raw_day)
    context = _list_context(found, queries.listing(found))
    context["pending"] = queries.pending_notice(found, today=timezone.now().date())
    context["has_subscribe_form"] = _template_exists(SUBSCRIBE_FORM)
    return render(request, "registry/company.html", context)


def _company_as_of(request: HttpRequest, company: Company, raw_day: str) -> HttpResponse:
    day = parse_day(raw_day)
    if day is None:
        context = {"company": company, "raw_day": raw_day[:40]}
        return render(request, "registry/bad_date.html", context, status=400)
    context = _list_context(company, queries.as_of(company, day).engagements)
    context["as_of"] = day
    return render(request, "registry/company.html", context)


def parse_day(raw: str) -> date | None:
    """A YYYY-MM-DD date between 1970 and 9998, else None."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    if len(raw.strip()) != 10 or not 1970 <= day.year <= 9998:
        return None
    return day


def _list_context(company: Company, rows: Sequence[queries.Listed]) -> dict[str, Any]:
    return {
        "company": company,
        "engagements": rows,
        "processor_groups": cards.processor_groups(queries.group_by_purpose(rows)),
        "transfer_chart": charts.bar_chart(
            charts.listed_bars(rows), title="Processors by where data goes"
        ),
    }


def _template_exists(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


@require_safe
def company_changes(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Company, slug=slug)
    changes = queries.confirmed_changes(found)
    events = [(c.detected_at, c.kind) for c in changes]
    timeline = charts.timeline_chart(
        charts.months(events), title="Processors added and removed per month"
    )
    context = {"company": found, "changes": changes, "timeline_chart": timeline}
    return render(request, "registry/company_changes.html", context)


@require_safe
def vendor(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Vendor, slug=slug)
    usage = queries.vendor_usage(found)
    return render(request, "registry/vendor.html", {"vendor": found, "usage": usage})


@require_safe
def snapshot(request: HttpRequest, pk: int) -> HttpResponse:
    pair = queries.snapshot_with_previous(pk)
    if pair is None:
        raise Http404("No such snapshot")
    current, previous = pair
    new_text = evidence.snapshot_text(current)
    old_text = evidence.snapshot_text(previous) if previous else ""
    diff = evidence.text_diff(
        old_text,
        new_text,
        old_label=f"previous ({previous.fetched_at:%Y-%m-%d %H:%M})" if previous else "nothing",
        new_label=f"this snapshot ({current.fetched_at:%Y-%m-%d %H:%M})",
    )
    context = {"snapshot": current, "previous": previous, "diff": diff}
    return render(request, "registry/snapshot.html", context)


@require_safe
def company_json(request: HttpRequest, slug: str) -> JsonResponse:
    found = get_object_or_404(Company, slug=slug)
    data = exports.to_json(found, queries.current_engagements(found))
    return JsonResponse(data)


@require_safe
def company_csv(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Company, slug=slug)
    body = exports.to_csv(queries.current_engagements(found))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-subprocessors.csv"'
    return response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "database unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
