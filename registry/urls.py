"""Public pages, feeds, exports, the REST API and the health check."""

from __future__ import annotations

urlpatterns: list = []
