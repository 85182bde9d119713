"""The registry's nouns: who processes whose data, for what, where, and since when."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Company(models.Model):
    """An organisation whose sub-processor list is tracked."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    website = models.URLField(max_length=500, blank=True)
    # Its own names and domain: a page naming its owner is not naming a processor.
    domain = models.CharField(max_length=253, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("company", kwargs={"slug": self.slug})


class Vendor(models.Model):
    """A sub-processor entity: one row however many companies use it."""

    name = models.CharField(max_length=200, unique=True, help_text="Canonical name")
    slug = models.SlugField(max_length=200, unique=True)
    legal_names = models.JSONField(default=list, blank=True)
    aliases = models.JSONField(default=list, blank=True)
    website = models.URLField(max_length=500, blank=True)
    domain = models.CharField(max_length=253, blank=True, db_index=True)
    hq_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    category = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vendor", kwargs={"slug": self.slug})


class Purpose(models.Model):
    """What processing is for, from a small controlled vocabulary (registry.purposes)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A country (ISO 3166-1 alpha-2) or region (EU, EEA, Global) with its transfer status."""

    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"

    class Transfer(models.TextChoices):
        EEA = "eea", "EEA"
        ADEQUACY = "adequacy", "Adequacy decision"
        THIRD_COUNTRY = "third_country", "Third country"
        MIXED = "mixed", "Mixed / worldwide"

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COUNTRY)
    transfer_status = models.CharField(
        max_length=20, choices=Transfer.choices, default=Transfer.THIRD_COUNTRY
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def leaves_eea_without_adequacy(self) -> bool:
        return self.transfer_status in (self.Transfer.THIRD_COUNTRY, self.Transfer.MIXED)


class Source(models.Model):
    """A published page watched for a company."""

    class Status(models.TextChoices):
        NEW = "new", "Not checked yet"
        # The first accepted reading: the page's list taken as the starting point, not news.
        BASELINE = "baseline", "Baseline recorded"
        OK = "ok", "OK"
        UNCHANGED = "unchanged", "Unchanged"
        CHANGED = "changed", "Changed"
        FAILED = "failed", "Failed"
        SUSPICIOUS = "suspicious", "Suspicious"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(max_length=2048)
    selector = models.CharField(
        max_length=500, blank=True, help_text="Optional CSS selector narrowing the page"
    )
    active = models.BooleanField(default=True)
    check_interval = models.DurationField(default=timedelta(days=1))
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A worker holds a source until this time; a dead worker's lease simply expires.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failure_alerted_at = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # The last snapshot whose extraction was accepted: what the registry reflects.
    current_snapshot = models.ForeignKey(
        "Snapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company__name", "url"]
        constraints = [
            models.UniqueConstraint(fields=["company", "url"], name="unique_source_per_company"),
        ]
        indexes = [models.Index(fields=["active", "next_check_at"])]

    def __str__(self) -> str:
        return self.url

    def is_due(self, now: datetime) -> bool:
        return self.active and (self.next_check_at is None or self.next_check_at <= now)


class SnapshotBody(models.Model):
    """A distinct page body, stored once per content hash, zlib-compressed."""

    sha256 = models.CharField(max_length=64, unique=True)
    compressed = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "snapshot body"

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} bytes)"


class Snapshot(models.Model):
    """One distinct state of a source: a fetch whose bytes differed from the one before."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        SUSPICIOUS = "suspicious", "Suspicious (held)"
        REJECTED = "rejected", "Rejected (error page)"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    body = models.ForeignKey(SnapshotBody, on_delete=models.PROTECT, related_name="snapshots")
    fetched_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField()
    http_status = models.PositiveSmallIntegerField(default=200)
    final_url = models.URLField(max_length=2048)
    content_type = models.CharField(max_length=200, blank=True)
    extractor_version = models.CharField(max_length=20, blank=True)
    # The extraction as a list of Processor dicts (name, vendor, purpose, ...).
    processors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OK)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-fetched_at", "-id"]
        get_latest_by = "fetched_at"
        indexes = [models.Index(fields=["source", "-fetched_at"])]

    def __str__(self) -> str:
        return f"{self.source} @ {self.fetched_at:%Y-%m-%d %H:%M}"


class Check(models.Model):
    """One attempt to check a source, successful or not: the watcher's own log."""

    class Outcome(models.TextChoices):
        UNCHANGED = "unchanged", "Unchanged"
        CHANGED = "changed", "Changed"
        NO_CHANGE = "no_change", "New bytes, same list"
        BASELINE = "baseline", "Baseline (first reading)"
        FAILED = "failed", "Failed"
        SUSPICIOUS = "suspicious", "Suspicious"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="checks")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_kind = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="checks"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.outcome} @ {self.started_at:%Y-%m-%d %H:%M}"


class Engagement(models.Model):
    """A company's use of a vendor: for what, where, as stated on its page."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REMOVED = "removed", "Removed"

    class Safeguard(models.TextChoices):
        NONE = "", "Not stated"
        SCC = "scc", "Standard Contractual Clauses"
        ADEQUACY = "adequacy", "Adequacy decision"
        DPF = "dpf", "EU-US Data Privacy Framework"
        BCR = "bcr", "Binding Corporate Rules"
        OTHER = "other", "Other"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="engagements")
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="engagements")
    name_as_written = models.CharField(max_length=300, blank=True)
    purposes = models.ManyToManyField(Purpose, blank=True, related_name="engagements")
    purpose_text = models.TextField(blank=True, help_text="Purpose as written on the page")
    locations = models.ManyToManyField(Location, blank=True, related_name="engagements")
    location_text = models.CharField(max_length=500, blank=True)
    data_categories = models.TextField(blank=True)
    transfer_safeguard = models.CharField(
        max_length=20, choices=Safeguard.choices, blank=True, default=Safeguard.NONE
    )
    description = models.TextField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="engagements"
    )
    found_in = models.CharField(max_length=300, blank=True, help_text="Where on the page")

    class Meta:
        ordering = ["company__name", "vendor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "vendor"], name="one_engagement_per_company_vendor"
            ),
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return f"{self.company} → {self.vendor}"


class Change(models.Model):
    """One processor added, removed or changed between two snapshots of a source."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"
        CHANGED = "changed", "Changed"

    class Review(models.TextChoices):
        PENDING = "pending", "Pending review"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="changes")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="changes")
    engagement = models.ForeignKey(
        Engagement, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    old_snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_snapshot = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The processor as extracted before and after (Processor dicts; empty when absent).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    fields_changed = models.JSONField(default=list, blank=True)
    detected_at = models.DateTimeField(db_index=True)
    review = models.CharField(
        max_length=10, choices=Review.choices, default=Review.PENDING, db_index=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    review_note = models.TextField(blank=True)
    effective_date = models.DateField(null=True, blank=True)
    objection_deadline = models.DateField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    # Set when the page itself undid this change while it was pending (dismissed by Subwatch).
    reverted_at = models.DateTimeField(null=True, blank=True)
    # The same change was reverted by the page shortly before: the page flaps (A/B test, CDN).
    flapping = models.BooleanField(
        default=False, help_text="Came back soon after the page reverted it (FLAP_WINDOW_DAYS)"
    )

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["company", "review", "-detected_at"])]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        return f"{self.vendor} {self.get_kind_display().lower()} for {self.company}"

    @property
    def current(self) -> dict[str, Any]:
        return self.after or self.before


class Subscription(models.Model):
    """An email address following one company, or all companies when company is empty."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting confirmation"
        ACTIVE = "active", "Active"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "Immediately"
        DAILY = "daily", "Daily digest"

    email = models.EmailField(max_length=254)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    status = models.CharField(
        max_length=15, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    # Bumped on unsubscribe/confirm so old signed links become single-use.
    token_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "company"],
                condition=Q(company__isnull=False),
                name="one_subscription_per_email_company",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(company__isnull=True),
                name="one_all_companies_subscription_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.company or 'all companies'}"


class Alert(models.Model):
    """The outbox: one row per message to send; sent_at is stamped only after SMTP accepted it."""

    class Kind(models.TextChoices):
        CHANGE = "change", "Change alert"
        DIGEST = "digest", "Daily digest"
        DETECTED = "detected", "Detected change (DPO)"
        SOURCE_FAILING = "source_failing", "Source failing (DPO)"
        SOURCE_RECOVERED = "source_recovered", "Source recovered (DPO)"
        CONFIRM_SUBSCRIPTION = "confirm", "Subscription confirmation"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        # Not sent on purpose, e.g. the subscriber left before delivery; last_error says why.
        CANCELLED = "cancelled", "Cancelled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Idempotency key, e.g. "change:12:subscription:5": enqueueing twice is a no-op.
    dedupe_key = models.CharField(max_length=200, unique=True)
    recipient = models.EmailField(max_length=254)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    change = models.ForeignKey(
        Change, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    changes = models.ManyToManyField(Change, blank=True, related_name="digest_alerts")
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"
