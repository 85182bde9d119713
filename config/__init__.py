"""Project configuration: settings, URLs, WSGI/ASGI and the optional Celery app."""
