"""The admin index numbers: what needs the DPO's attention, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from registry.models import Alert, Change, Company, Engagement, Source, Vendor


@dataclass(frozen=True)
class Numbers:
    pending_changes: int
    failing_sources: int
    suspicious_sources: int
    companies: int
    vendors: int
    active_engagements: int
    alerts_pending: int
    alerts_failed: int

    @property
    def needs_attention(self) -> bool:
        return bool(self.pending_changes or self.failing_sources or self.suspicious_sources)


def numbers() -> Numbers:
    """Six queries whatever the data size: one COUNT per table."""
    sources = Source.objects.aggregate(
        failing=Count("pk", filter=Q(last_status=Source.Status.FAILED)),
        suspicious=Count("pk", filter=Q(last_status=Source.Status.SUSPICIOUS)),
    )
    alerts = Alert.objects.aggregate(
        pending=Count("pk", filter=Q(status=Alert.Status.PENDING)),
        failed=Count("pk", filter=Q(status=Alert.Status.FAILED)),
    )
    return Numbers(
        pending_changes=Change.objects.filter(review=Change.Review.PENDING).count(),
        failing_sources=sources["failing"],
        suspicious_sources=sources["suspicious"],
        companies=Company.objects.count(),
        vendors=Vendor.objects.count(),
        active_engagements=Engagement.objects.filter(status=Engagement.Status.ACTIVE).count(),
        alerts_pending=alerts["pending"],
        alerts_failed=alerts["failed"],
    )
