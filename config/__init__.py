"""Project configuration: settings, URLs, WSGI/ASGI and the optional Celery app."""

from __future__ import annotations

# The standard Celery hook so shared_task binds to our app; guarded so a checkout without
# Celery (the embedded mode) still starts.
try:
    from config.celery import app as celery_app
except ImportError:  # pragma: no cover - celery is in requirements.txt
    celery_app = None

__all__ = ["celery_app"]
