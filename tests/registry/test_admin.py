"""The DPO's admin: every page answers, filters and search work, review actions, escaping, cost."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token, TokenProxy

from registry import dashboard
from registry.models import (
    Alert,
    Change,
    Check,
    Company,
    Engagement,
    Location,
    Purpose,
    Snapshot,
    SnapshotBody,
    Source,
    Subscription,
    Vendor,
)
from tests.builders import make_company, make_engagement, make_source, make_vendor

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


@dataclass
class Rows:
    company: Company
    vendor: Vendor
    purpose: Purpose
    location: Location
    source: Source
    body: SnapshotBody
    snapshot: Snapshot
    check: Check
    engagement: Engagement
    change: Change
    subscription: Subscription
    alert: Alert

    def of(self, model: type[Any]) -> Any:
        for value in vars(self).values():
            if type(value) is model:
                return value
        raise LookupError(model)


def make_rows(index: int = 0, *, vendor_name: str | None = None) -> Rows:
    """One row of every registry model, linked the way the pipeline links them."""
    now = timezone.now()
    company = make_company(f"Acme Mail {index}", domain=f"acme{index}.example")
    vendor = make_vendor(vendor_name or f"Mailgun {index}", aliases=[f"MG{index}"])
    purpose = Purpose.objects.create(slug=f"email-{index}", name=f"Email delivery {index}")
    location = Location.objects.create(
        code=f"U{index}", name=f"Utopia {index}", transfer_status=Location.Transfer.THIRD_COUNTRY
    )
    source = make_source(
        company,
        f"https://acme{index}.example/subprocessors",
        last_status=Source.Status.FAILED,
        consecutive_failures=2,
    )
    page = f"<h1>Sub-processors</h1><table><tr><td>{vendor.name}</td></tr></table>".encode()
    body = SnapshotBody.objects.create(
        sha256=f"{index:064d}", compressed=zlib.compress(page), size=len(page)
    )
    snapshot = Snapshot.objects.create(
        source=source,
        body=body,
        fetched_at=now,
        last_seen_at=now,
        final_url=source.url,
        content_type="text/html",
        processors=[
            {
                "name": vendor.name,
                "vendor": vendor.name,
                "purpose": "email",
                "locations": ["US"],
                "website": "",
                "found_in": "table 1",
            }
        ],
    )
    check = Check.objects.create(
        source=source,
        started_at=now,
        outcome=Check.Outcome.CHANGED,
        http_status=200,
        snapshot=snapshot,
    )
    engagement = make_engagement(company, vendor, now=now, snapshot=snapshot)
    engagement.purposes.add(purpose)
    engagement.locations.add(location)
    change = Change.objects.create(
        company=company,
        source=source,
        vendor=vendor,
        engagement=engagement,
        kind=Change.Kind.ADDED,
        new_snapshot=snapshot,
        detected_at=now,
        after={"name": vendor.name, "purpose": "email", "locations": ["US"]},
    )
    subscription = Subscription.objects.create(email=f"dpo{index}@example.com", company=company)
    alert = Alert.objects.create(
        kind=Alert.Kind.CHANGE,
        dedupe_key=f"change:{change.pk}:{index}",
        recipient=subscription.email,
        subscription=subscription,
        change=change,
        status=Alert.Status.FAILED,
        attempts=8,
        last_error="451 try later",
    )
    return Rows(
        company,
        vendor,
        purpose,
        location,
        source,
        body,
        snapshot,
        check,
        engagement,
        change,
        subscription,
        alert,
    )


def url(model: type[Any], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def instance_of(model: type[Any], rows: Rows, admin_user: User) -> Any:
    if model is User:
        return admin_user
    if model is Group:
        return Group.objects.get_or_create(name="DPO")[0]
    if model is TokenProxy:
        return TokenProxy.objects.get(key=Token.objects.create(user=admin_user).key)
    return rows.of(model)


def test_every_changelist_and_change_page_answers_200(admin_client: Client, admin_user: User):
    rows = make_rows()

    for model in admin.site._registry:
        obj = instance_of(model, rows, admin_user)
        assert admin_client.get(url(model, "changelist")).status_code == 200, model
        assert admin_client.get(url(model, "change", obj.pk)).status_code == 200, model


def test_add_pages_answer_200_where_adding_is_allowed(admin_client: Client, rf: Any, admin_user):
    request = rf.get("/")
    request.user = admin_user
    addable = [m for m, a in admin.site._registry.items() if a.has_add_permission(request)]

    for model in addable:
        assert admin_client.get(url(model, "add")).status_code == 200, model

    assert {Company, Vendor, Source} <= set(addable)
    assert not {Snapshot, Check, Change, Alert, SnapshotBody} & set(addable)


def test_snapshots_checks_and_alerts_cannot_be_added_or_changed(admin_client: Client):
    rows = make_rows()

    assert admin_client.get(url(Snapshot, "add")).status_code == 403
    response = admin_client.post(url(Check, "change", rows.check.pk), {"outcome": "failed"})
    assert response.status_code == 403
    rows.check.refresh_from_db()
    assert rows.check.outcome == Check.Outcome.CHANGED
    assert admin_client.post(url(Alert, "change", rows.alert.pk), {}).status_code == 403


@pytest.mark.parametrize(
    ("model", "term", "attr"),
    [
        (Company, "acme0.example", "company"),
        (Vendor, "MG0", "vendor"),
        (Engagement, "Mailgun 0", "engagement"),
        (Source, "acme0.example/sub", "source"),
        (Change, "Mailgun 0", "change"),
        (Alert, "dpo0@example", "alert"),
        (Subscription, "dpo0@example", "subscription"),
        (Snapshot, "acme0.example", "snapshot"),
        (Check, "acme0.example", "check"),
        (Purpose, "Email delivery 0", "purpose"),
        (Location, "Utopia 0", "location"),
    ],
)
def test_search_finds_the_row(admin_client: Client, model: type[Any], term: str, attr: str):
    rows = make_rows(0)
    make_rows(1)

    response = admin_client.get(url(model, "changelist"), {"q": term})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [getattr(rows, attr)]


def test_every_filter_choice_answers_200(admin_client: Client):
    make_rows()

    for model in admin.site._registry:
        if model._meta.app_label != "registry":
            continue
        changelist = admin_client.get(url(model, "changelist")).context["cl"]
        for spec in changelist.filter_specs:
            for choice in spec.choices(changelist):
                response = admin_client.get(url(model, "changelist") + choice["query_string"])
                assert response.status_code == 200, (model, choice["query_string"])


@pytest.mark.parametrize(
    ("model", "params", "attr"),
    [
        (Engagement, {"locations__transfer_status__exact": "third_country"}, "engagement"),
        (Engagement, {"status__exact": "active"}, "engagement"),
        (Engagement, {"purposes__id__exact": "{purpose}"}, "engagement"),
        (Company, {"engagements__locations__transfer_status__exact": "third_country"}, "company"),
        (Company, {"sources__last_status__exact": "failed"}, "company"),
        (Company, {"engagements__purposes__id__exact": "{purpose}"}, "company"),
        (Source, {"last_status__exact": "failed"}, "source"),
        (Change, {"review": "pending", "kind__exact": "added"}, "change"),
        (Alert, {"status__exact": "failed"}, "alert"),
        (Location, {"transfer_status__exact": "third_country"}, "location"),
    ],
)
def test_filters_keep_the_matching_row(admin_client: Client, model, params: dict, attr: str):
    rows = make_rows(0)
    make_rows(1)
    other = make_rows(2)
    Engagement.objects.filter(pk=other.engagement.pk).update(status="removed")
    Source.objects.filter(pk=other.source.pk).update(last_status="ok")
    Change.objects.filter(pk=other.change.pk).update(review="dismissed")
    Alert.objects.filter(pk=other.alert.pk).update(status="sent")
    other.engagement.locations.clear()
    Location.objects.filter(pk=other.location.pk).update(transfer_status="eea")
    query = {key: value.format(purpose=rows.purpose.pk) for key, value in params.items()}

    response = admin_client.get(url(model, "changelist"), query)

    assert response.status_code == 200
    found = list(response.context["cl"].queryset)
    assert getattr(rows, attr) in found
    assert getattr(other, attr) not in found


def test_the_change_list_opens_as_the_pending_review_queue(admin_client: Client):
    pending = make_rows(0).change
    reviewed = make_rows(1).change
    Change.objects.filter(pk=reviewed.pk).update(review=Change.Review.DISMISSED)

    queue = admin_client.get(url(Change, "changelist")).context["cl"]
    everything = admin_client.get(url(Change, "changelist"), {"review": "all"}).context["cl"]

    assert list(queue.result_list) == [pending]
    assert set(everything.result_list) == {pending, reviewed}


def test_the_review_queue_shows_the_evidence_and_what_changed(admin_client: Client):
    rows = make_rows()

    page = admin_client.get(url(Change, "changelist")).content.decode()

    assert url(Snapshot, "change", rows.snapshot.pk) in page
    assert url(Source, "change", rows.source.pk) in page
    assert "+ email · US" in page


def _review_module_present() -> bool:
    try:
        from registry import review  # noqa: F401
    except ImportError:
        return False
    return True


needs_review = pytest.mark.skipif(not _review_module_present(), reason="registry.review missing")


@needs_review
def test_the_confirm_action_confirms_pending_changes_and_skips_reviewed_ones(
    admin_client: Client, admin_user: User
):
    pending = make_rows(0).change
    dismissed = make_rows(1).change
    Change.objects.filter(pk=dismissed.pk).update(review=Change.Review.DISMISSED)

    response = admin_client.post(
        url(Change, "changelist") + "?review=all",
        {"action": "confirm_selected", "_selected_action": [pending.pk, dismissed.pk]},
        follow=True,
    )

    pending.refresh_from_db()
    dismissed.refresh_from_db()
    assert pending.review == Change.Review.CONFIRMED
    assert pending.reviewed_by == admin_user
    assert dismissed.review == Change.Review.DISMISSED
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["1 change(s) confirmed. 1 skipped (already reviewed)."]


@needs_review
def test_the_dismiss_action_dismisses_pending_changes(admin_client: Client):
    change = make_rows().change

    admin_client.post(
        url(Change, "changelist"),
        {"action": "dismiss_selected", "_selected_action": [change.pk]},
    )

    change.refresh_from_db()
    assert change.review == Change.Review.DISMISSED


@needs_review
def test_the_change_page_confirm_button_confirms(admin_client: Client):
    change = make_rows().change
    page = admin_client.get(url(Change, "change", change.pk)).content.decode()

    admin_client.post(
        url(Change, "change", change.pk),
        {"_confirm": "1", "review_note": "checked the DPA", "effective_date": ""},
    )

    change.refresh_from_db()
    assert 'name="_confirm"' in page
    assert change.review == Change.Review.CONFIRMED


def test_anonymous_and_non_staff_users_are_sent_to_login(client: Client, django_user_model):
    rows = make_rows()
    targets = [
        reverse("admin:index"),
        url(Change, "changelist"),
        url(Vendor, "change", rows.vendor.pk),
    ]
    member = django_user_model.objects.create_user("member", password="x", is_staff=False)

    anonymous = [client.get(target) for target in targets]
    client.force_login(member)
    logged_in = [client.get(target) for target in targets]

    for response in anonymous + logged_in:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_permission_get_403(client: Client, django_user_model):
    rows = make_rows()
    staff = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)

    assert client.get(url(Change, "changelist")).status_code == 403
    assert client.get(url(Vendor, "change", rows.vendor.pk)).status_code == 403
    assert client.get(url(Snapshot, "change", rows.snapshot.pk)).status_code == 403
    assert (
        client.get(reverse("admin:registry_snapshot_body", args=[rows.snapshot.pk])).status_code
        == 403
    )


def test_staff_with_view_permission_see_the_queue_but_cannot_act(client, django_user_model):
    change = make_rows().change
    staff = django_user_model.objects.create_user("auditor", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_change"))
    client.force_login(staff)

    response = client.post(
        url(Change, "changelist"), {"action": "confirm_selected", "_selected_action": [change.pk]}
    )

    change.refresh_from_db()
    assert client.get(url(Change, "changelist")).status_code == 200
    assert change.review == Change.Review.PENDING
    assert response.status_code in (200, 302)


def test_a_hostile_vendor_name_is_escaped_on_changelist_and_change_pages(admin_client: Client):
    rows = make_rows(vendor_name=HOSTILE)
    pages = [
        url(Vendor, "changelist"),
        url(Vendor, "change", rows.vendor.pk),
        url(Engagement, "changelist"),
        url(Company, "change", rows.company.pk),
        url(Change, "changelist"),
        url(Change, "change", rows.change.pk),
        url(Snapshot, "change", rows.snapshot.pk),
        reverse("admin:registry_snapshot_body", args=[rows.snapshot.pk]),
    ]

    for page in pages:
        html = admin_client.get(page).content.decode()
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "&lt;script&gt;alert" in html, page


def test_a_javascript_url_is_never_a_link(admin_client: Client):
    rows = make_rows()
    Snapshot.objects.filter(pk=rows.snapshot.pk).update(final_url="javascript:alert(1)")

    html = admin_client.get(url(Snapshot, "change", rows.snapshot.pk)).content.decode()

    assert 'href="javascript:' not in html


def test_the_snapshot_body_is_shown_as_escaped_text(admin_client: Client):
    rows = make_rows()

    response = admin_client.get(reverse("admin:registry_snapshot_body", args=[rows.snapshot.pk]))

    html = response.content.decode()
    assert "&lt;h1&gt;Sub-processors&lt;/h1&gt;" in html
    assert "<h1>Sub-processors</h1>" not in html


def test_the_snapshot_page_lists_processors_and_links_to_checks_and_changes(admin_client):
    rows = make_rows()

    html = admin_client.get(url(Snapshot, "change", rows.snapshot.pk)).content.decode()

    assert "<td>table 1</td>" in html
    assert f"new_snapshot__id__exact={rows.snapshot.pk}" in html
    assert f"snapshot__id__exact={rows.snapshot.pk}" in html
    assert reverse("admin:registry_snapshot_body", args=[rows.snapshot.pk]) in html


def test_vendor_aliases_are_edited_one_per_line(admin_client: Client):
    vendor = make_vendor("Mailgun")
    form = {
        "name": "Mailgun",
        "slug": "mailgun",
        "legal_names": "Mailgun Technologies, Inc.\r\n\r\nSinch Email ",
        "aliases": "MG",
        "website": "",
        "domain": "mailgun.com",
        "hq_country": "US",
        "category": "email",
        "description": "",
        "engagements-TOTAL_FORMS": "0",
        "engagements-INITIAL_FORMS": "0",
    }

    response = admin_client.post(url(Vendor, "change", vendor.pk), form)

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.legal_names == ["Mailgun Technologies, Inc.", "Sinch Email"]
    assert vendor.aliases == ["MG"]


def test_failing_and_suspicious_sources_come_first(admin_client: Client):
    company = make_company()
    ok = make_source(company, "https://a.example/", last_status=Source.Status.OK)
    failing = make_source(
        company, "https://b.example/", last_status="failed", consecutive_failures=1
    )
    worse = make_source(company, "https://c.example/", last_status="failed", consecutive_failures=9)
    odd = make_source(company, "https://d.example/", last_status=Source.Status.SUSPICIOUS)

    listed = list(admin_client.get(url(Source, "changelist")).context["cl"].result_list)

    assert listed == [worse, failing, odd, ok]


def test_retry_now_puts_failed_alerts_back_in_the_queue(admin_client: Client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rows = make_rows()

    admin_client.post(
        url(Alert, "changelist"), {"action": "retry_now", "_selected_action": [rows.alert.pk]}
    )

    rows.alert.refresh_from_db()
    assert rows.alert.status != Alert.Status.FAILED
    assert rows.alert.attempts <= 1


def test_the_index_shows_the_dashboard_numbers(admin_client: Client):
    make_rows(0)
    make_rows(1)

    html = admin_client.get(reverse("admin:index")).content.decode()

    assert "Changes pending review</a></th>\n          <td>2</td>" in html
    assert url(Change, "changelist") + "?review=pending" in html
    assert "Failing sources" in html
    assert "app-registry" in html


def test_the_dashboard_costs_the_same_queries_for_any_data_size():
    make_rows(0)
    with CaptureQueriesContext(connection) as small:
        first = dashboard.numbers()
    for index in range(1, 6):
        make_rows(index)
    with CaptureQueriesContext(connection) as large:
        second = dashboard.numbers()

    assert len(small) == len(large) == 6
    assert (first.pending_changes, second.pending_changes) == (1, 6)
    assert (second.failing_sources, second.alerts_failed) == (6, 6)


def _queries_per_changelist(admin_client: Client) -> dict[str, int]:
    counts = {}
    for model in admin.site._registry:
        with CaptureQueriesContext(connection) as queries:
            params = {"review": "all"} if model is Change else {}
            response = admin_client.get(url(model, "changelist"), params)
        assert response.status_code == 200
        counts[model._meta.label] = len(queries)
    return counts


@pytest.mark.slow
def test_changelists_cost_the_same_queries_for_5_and_50_rows(admin_client: Client):
    for index in range(5):
        make_rows(index)
    few = _queries_per_changelist(admin_client)
    for index in range(5, 50):
        make_rows(index)

    many = _queries_per_changelist(admin_client)

    assert many == few


def test_company_page_shows_engagements_and_sources_inline(admin_client: Client):
    rows = make_rows()
    with CaptureQueriesContext(connection) as small:
        html = admin_client.get(url(Company, "change", rows.company.pk)).content.decode()

    assert url(Vendor, "change", rows.vendor.pk) in html
    assert "Email delivery 0" in html
    assert "Utopia 0" in html
    assert rows.source.url in html
    vendor_page = admin_client.get(url(Vendor, "change", rows.vendor.pk)).content.decode()
    assert url(Company, "change", rows.company.pk) in vendor_page
    assert len(small) < 40


def _source_form(company: Company, url_value: str) -> dict[str, str]:
    return {
        "company": str(company.pk),
        "url": url_value,
        "selector": "",
        "active": "on",
        "check_interval": "1 00:00:00",
    }


def test_a_loopback_source_url_is_refused_at_save_time(admin_client: Client):
    company = make_company()

    response = admin_client.post(url(Source, "add"), _source_form(company, "http://127.0.0.1/x"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not Source.objects.exists()


def test_an_allowed_source_url_is_saved(admin_client: Client, page_server):
    company = make_company()
    target = page_server.url("/subprocessors")

    response = admin_client.post(url(Source, "add"), _source_form(company, target))

    assert response.status_code == 302
    assert Source.objects.get().url == target


PAGE = """<html><body><h1>Sub-processors</h1><table>
<tr><th>Entity</th><th>Purpose</th><th>Location</th></tr>
<tr><td>Amazon Web Services</td><td>Hosting</td><td>United States</td></tr>
<tr><td>Stripe</td><td>Payments</td><td>United States</td></tr>
</table></body></html>"""


def test_check_now_fetches_the_source_and_reports_the_outcome(admin_client: Client, page_server):
    source = make_source(make_company(), page_server.set("/subprocessors", PAGE))
    confirm = admin_client.get(reverse("admin:registry_source_check", args=[source.pk]))

    response = admin_client.post(
        reverse("admin:registry_source_check", args=[source.pk]), follow=True
    )

    source.refresh_from_db()
    assert confirm.status_code == 200
    assert source.last_checked_at is not None
    assert Check.objects.filter(source=source).count() == 1
    shown = [str(message) for message in response.context["messages"]]
    assert shown
    assert shown[0].startswith(source.url)


def test_the_check_now_action_reports_a_failing_source(admin_client: Client, page_server):
    source = make_source(make_company(), page_server.set("/gone", "<h1>Gone</h1>", status=404))

    response = admin_client.post(
        url(Source, "changelist"),
        {"action": "check_now", "_selected_action": [source.pk]},
        follow=True,
    )

    source.refresh_from_db()
    assert source.last_status == Source.Status.FAILED
    levels = [message.level_tag for message in response.context["messages"]]
    assert levels == ["warning"]


def test_the_reextract_action_rereads_stored_snapshots(admin_client: Client):
    rows = make_rows()

    response = admin_client.post(
        url(Source, "changelist"),
        {"action": "reextract", "_selected_action": [rows.source.pk]},
        follow=True,
    )

    rows.snapshot.refresh_from_db()
    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Re-extracted 1 stored snapshot(s) of 1 source(s)."]
    assert rows.snapshot.extractor_version


def test_the_evidence_page_diffs_the_two_snapshots_as_escaped_text(admin_client: Client):
    rows = make_rows()
    page = b"<h1>Sub-processors</h1><p>Mailgun 0</p><p><b>Stripe</b> &lt;script&gt;</p>"
    newer = SnapshotBody.objects.create(
        sha256="f" * 64, compressed=zlib.compress(page), size=len(page)
    )
    later = rows.snapshot.fetched_at + timedelta(days=1)
    new = Snapshot.objects.create(
        source=rows.source,
        body=newer,
        fetched_at=later,
        last_seen_at=later,
        final_url=rows.source.url,
    )
    Change.objects.filter(pk=rows.change.pk).update(old_snapshot=rows.snapshot, new_snapshot=new)

    response = admin_client.get(reverse("admin:registry_change_evidence", args=[rows.change.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span class="diff-added">+Stripe</span>' in html
    assert '<span class="diff-added">+&lt;script&gt;</span>' in html
    assert '<span class="diff-same"> Mailgun 0</span>' in html
    assert "<b>Stripe</b>" not in html


def test_the_queue_is_titled_for_its_review_state(admin_client: Client):
    make_rows()

    pending = admin_client.get(url(Change, "changelist")).context["title"]
    everything = admin_client.get(url(Change, "changelist"), {"review": "all"}).context["title"]

    assert pending == "Review queue: changes pending review"
    assert everything == "All changes"
