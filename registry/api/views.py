"""API endpoints: thin viewsets over registry.queries and the review/pipeline functions."""

from __future__ import annotations

import importlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from registry import queries
from registry.api import filters, serializers
from registry.api.permissions import IsStaff
from registry.models import Change, Company, Source, Vendor


class Pagination(PageNumberPagination):
    """50 per page by default; clients may ask for up to 200, never more."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# Lookups the URL itself restricts, so odd input (NUL bytes, unicode) is a 404, never a query.
SLUG = "[-a-zA-Z0-9_]+"
ID = "[0-9]+"


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    lookup_value_regex = ID


class CompanyViewSet(ReadOnly):
    """Tracked companies with their number of active processors."""

    serializer_class = serializers.CompanySerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "processor_count"]
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Company]:
        return queries.company_list()


class VendorViewSet(ReadOnly):
    """Sub-processor entities, one row however many companies use them."""

    queryset = Vendor.objects.order_by("name")
    serializer_class = serializers.VendorSerializer
    lookup_field = "slug"
    lookup_value_regex = SLUG
    filterset_class = filters.VendorFilter
    search_fields = ["name", "domain", "category"]
    ordering_fields = ["name", "hq_country"]


class EngagementViewSet(ReadOnly):
    """Who uses which vendor, for what and where."""

    queryset = queries.engagement_queryset().order_by("company__name", "vendor__name")
    serializer_class = serializers.EngagementSerializer
    filterset_class = filters.EngagementFilter
    search_fields = ["vendor__name", "name_as_written", "company__name", "purpose_text"]
    ordering_fields = ["first_seen_at", "last_seen_at", "vendor__name", "company__name"]


class ChangeViewSet(ReadOnly):
    """Detected changes: the public sees confirmed ones; staff see all and review them."""

    serializer_class = serializers.ChangeSerializer
    filterset_class = filters.ChangeFilter
    search_fields = ["vendor__name"]
    ordering_fields = ["detected_at", "effective_date"]

    def get_queryset(self) -> QuerySet[Change]:
        changes = Change.objects.select_related("company", "vendor").order_by("-detected_at", "-id")
        if self.request.user.is_staff:
            return changes
        return changes.filter(review=Change.Review.CONFIRMED)

    def get_permissions(self) -> list[Any]:
        if self.action in ("confirm", "dismiss"):
            return [IsStaff()]
        return super().get_permissions()

    @extend_schema(request=serializers.ReviewSerializer, responses=serializers.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a change (staff): it becomes public and subscribers are alerted."""
        body = serializers.ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dates = {key: value for key, value in body.validated_data.items() if value}
        return self._review("confirm", **dates)

    @extend_schema(request=None, responses=serializers.ChangeSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Dismiss a change (staff): a false alarm, never shown publicly."""
        return self._review("dismiss")

    def _review(self, verb: str, **options: Any) -> Response:
        from registry import review

        change = self.get_object()
        try:
            result = getattr(review, verb)(
                change, by=self.request.user, now=timezone.now(), **options
            )
        except (ValueError, DjangoValidationError) as error:
            return Response({"detail": _text(error)}, status=status.HTTP_409_CONFLICT)
        if not result.applied:
            return Response({"detail": result.message}, status=status.HTTP_409_CONFLICT)
        return Response(serializers.ChangeSerializer(result.change).data)


class SourceViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Watched pages (staff only): add one, or trigger a check now."""

    queryset = Source.objects.select_related("company").order_by("company__name", "url")
    serializer_class = serializers.SourceSerializer
    permission_classes = [IsStaff]
    pagination_class = Pagination
    lookup_value_regex = ID
    filterset_class = filters.SourceFilter
    search_fields = ["url"]
    ordering_fields = ["last_checked_at", "url"]

    @extend_schema(request=None, responses=serializers.CheckOutcomeSerializer)
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: str | None = None) -> Response:
        """Check the source now and report what happened."""
        pipeline = importlib.import_module(settings.SUBWATCH_PIPELINE)
        source = get_object_or_404(self.get_queryset(), pk=pk)
        result = pipeline.check_source(source, now=timezone.now())
        return Response(_outcome(result))


def _outcome(result: Any) -> dict[str, Any]:
    """scraper.record.Outcome as JSON: its status, the number of changes, and the message."""
    return {
        "outcome": str(result.status),
        "changes": int(getattr(result, "changes", 0)),
        "detail": str(getattr(result, "message", "")),
    }


def _text(error: Exception) -> str:
    messages = getattr(error, "messages", None)
    return "; ".join(messages) if messages else str(error)
