"""Admin form parts: JSON name lists edited as one name per line, source URL validation."""

from __future__ import annotations

import importlib
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from registry.models import Company, Source, Vendor


class NameListField(forms.CharField):
    """A JSON list of names shown as one name per line.

    Lines, not commas, separate names: legal names such as "Mailgun Technologies, Inc." contain
    commas.
    """

    widget = forms.Textarea(attrs={"rows": 3, "cols": 60})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One name per line.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return "" if value is None else str(value)

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            lines = [str(item) for item in value]
        else:
            lines = str(value or "").splitlines()
        names = [" ".join(line.split()) for line in lines]
        return list(dict.fromkeys(name for name in names if name))

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


def https_urls(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Form fields for the admin forms: a typed-in URL without a scheme means https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class VendorForm(forms.ModelForm):
    legal_names = NameListField()
    aliases = NameListField()

    class Meta:
        model = Vendor
        fields = "__all__"  # noqa: DJ007 (admin forms: the ModelAdmin picks the fields)
        formfield_callback = https_urls


class CompanyForm(forms.ModelForm):
    aliases = NameListField(help_text="Its own other names, one per line: never a processor.")

    class Meta:
        model = Company
        fields = "__all__"  # noqa: DJ007 (admin forms: the ModelAdmin picks the fields)
        formfield_callback = https_urls


def validate_source_url(url: str) -> str:
    """registry.validators.validate_source_url when the fetch helper's module is present."""
    try:
        validators = importlib.import_module("registry.validators")
    except ModuleNotFoundError:
        return url
    result = validators.validate_source_url(url)
    return url if result is None else result


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = "__all__"  # noqa: DJ007 (admin forms: the ModelAdmin picks the fields)
        formfield_callback = https_urls

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            return validate_source_url(url)
        except ValidationError:
            raise
        except Exception as error:  # the validator's own errors (InvalidURL, BlockedAddress)
            raise ValidationError(str(error), code="invalid_source_url") from error
