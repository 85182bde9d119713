"""The DPO's workbench: every registry model in the admin, the review queue, the dashboard."""

from __future__ import annotations

from django.contrib import admin

from registry.admin import catalog, changes, outbox, sources

admin.site.site_header = "Subwatch"
admin.site.site_title = "Subwatch admin"
admin.site.index_title = "Sub-processor registry"

__all__ = ["catalog", "changes", "outbox", "sources"]
