"""Public pages, feeds, exports, the REST API and the health check."""

from __future__ import annotations

from importlib.util import find_spec

from django.urls import URLPattern, URLResolver, include, path

from registry import feeds, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("c/<slug:slug>/", views.company, name="company"),
    path("c/<slug:slug>/changes/", views.company_changes, name="company-changes"),
    path("c/<slug:slug>/feed.atom", feeds.CompanyChangesFeed(), name="company-feed-atom"),
    path("c/<slug:slug>/feed.rss", feeds.CompanyChangesRss(), name="company-feed-rss"),
    path("c/<slug:slug>.json", views.company_json, name="company-json"),
    path("c/<slug:slug>.csv", views.company_csv, name="company-csv"),
    path("v/<slug:slug>/", views.vendor, name="vendor"),
    path("snapshots/<int:pk>/", views.snapshot, name="snapshot"),
    path("api/", include("registry.api.urls")),
]

# The subscribe views live in their own module (alerts); load them once it exists.
if find_spec("registry.subscribe_urls") is not None:
    urlpatterns.append(path("", include("registry.subscribe_urls")))
