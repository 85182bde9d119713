"""Base admin classes: URL fields default to https, and read-only rows for watcher output."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

# Django 6 makes https the default scheme for typed-in URLs; the registry wants it today.
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class SubwatchAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS


class ReadOnlyAdmin(SubwatchAdmin):
    """No add or change for anyone; only a superuser may delete (e.g. to purge a bad fetch)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
