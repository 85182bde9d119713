"""Top-level URL map: the admin, then everything the registry app serves."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("registry.urls")),
]
