"""How registry rows look in the API (and in the JSON export, which reuses EngagementSerializer)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from registry.models import Change, Company, Engagement, Location, Purpose, Source, Vendor
from registry.templatetags.public_links import http_url


class HttpUrlField(serializers.CharField):
    """A website shown only when it is an http(s) URL; anything else comes out as ""."""

    def to_representation(self, value: Any) -> str:
        return http_url(value)


class PurposeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purpose
        fields = ["slug", "name"]


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["code", "name", "transfer_status", "leaves_eea_without_adequacy"]


class VendorRefSerializer(serializers.ModelSerializer):
    website = HttpUrlField(read_only=True)

    class Meta:
        model = Vendor
        fields = ["slug", "name", "website"]


class CompanyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["slug", "name"]


class CompanySerializer(serializers.ModelSerializer):
    website = HttpUrlField(read_only=True)
    processor_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Company
        fields = ["slug", "name", "website", "domain", "description", "processor_count"]


class VendorSerializer(serializers.ModelSerializer):
    website = HttpUrlField(read_only=True)

    class Meta:
        model = Vendor
        fields = [
            "slug",
            "name",
            "legal_names",
            "aliases",
            "website",
            "domain",
            "hq_country",
            "category",
            "description",
        ]


class EngagementSerializer(serializers.ModelSerializer):
    company = CompanyRefSerializer(read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    purposes = PurposeSerializer(many=True, read_only=True)
    locations = LocationSerializer(many=True, read_only=True)
    website = HttpUrlField(read_only=True)
    leaves_eea_without_adequacy = serializers.SerializerMethodField()

    class Meta:
        model = Engagement
        fields = [
            "id",
            "company",
            "vendor",
            "name_as_written",
            "purposes",
            "purpose_text",
            "locations",
            "location_text",
            "leaves_eea_without_adequacy",
            "transfer_safeguard",
            "data_categories",
            "website",
            "status",
            "first_seen_at",
            "last_seen_at",
            "removed_at",
        ]

    def get_leaves_eea_without_adequacy(self, engagement: Engagement) -> bool:
        return any(loc.leaves_eea_without_adequacy for loc in engagement.locations.all())


class ChangeSerializer(serializers.ModelSerializer):
    company = CompanyRefSerializer(read_only=True)
    vendor = VendorRefSerializer(read_only=True)
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)

    class Meta:
        model = Change
        fields = [
            "id",
            "company",
            "vendor",
            "kind",
            "review",
            "before",
            "after",
            "fields_changed",
            "detected_at",
            "reviewed_at",
            "effective_date",
            "objection_deadline",
            "old_snapshot",
            "new_snapshot",
        ]


class ReviewSerializer(serializers.Serializer):
    """Body of confirm: optional dates (default: detection + notice period)."""

    effective_date = serializers.DateField(required=False, allow_null=True)
    objection_deadline = serializers.DateField(required=False, allow_null=True)


class SourceSerializer(serializers.ModelSerializer):
    company = serializers.SlugRelatedField(slug_field="slug", queryset=Company.objects.all())

    class Meta:
        model = Source
        fields = [
            "id",
            "company",
            "url",
            "selector",
            "active",
            "last_checked_at",
            "last_status",
            "last_error",
            "consecutive_failures",
        ]
        read_only_fields = [
            "last_checked_at",
            "last_status",
            "last_error",
            "consecutive_failures",
        ]

    def validate_url(self, value: str) -> str:
        validate = _source_url_validator()
        if validate is None:
            return value
        try:
            validate(value)
        except Exception as error:  # the validator's own error types; message is for people
            raise serializers.ValidationError(_message(error)) from error
        return value


class CheckOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    changes = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)


def _message(error: Exception) -> str:
    messages = getattr(error, "messages", None)
    return "; ".join(messages) if messages else str(error)


def _source_url_validator() -> Any:
    """registry.validators.validate_source_url when the fetch side provides it."""
    try:
        from registry.validators import validate_source_url
    except ImportError:
        return None
    return validate_source_url
