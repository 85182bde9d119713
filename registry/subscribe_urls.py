"""URLs for subscribing, confirming (double opt-in) and one-click unsubscribing."""

from __future__ import annotations

from django.urls import URLPattern, path

from registry import subscribe_views as views

urlpatterns: list[URLPattern] = [
    path("c/<slug:slug>/subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/", views.subscribe_all, name="subscribe-all"),
    path("subscribe/confirm/<str:token>/", views.confirm, name="subscribe-confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
