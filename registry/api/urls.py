"""API routes, the OpenAPI schema and self-hosted Swagger UI docs."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from registry.api import views

router = DefaultRouter()
router.register("companies", views.CompanyViewSet, basename="api-company")
router.register("vendors", views.VendorViewSet, basename="api-vendor")
router.register("engagements", views.EngagementViewSet, basename="api-engagement")
router.register("changes", views.ChangeViewSet, basename="api-change")
router.register("sources", views.SourceViewSet, basename="api-source")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a separate file, so CSP needs no 'unsafe-inline'.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="registry/api_docs.html"
        ),
        name="api-docs",
    ),
    path("", include(router.urls)),
]
