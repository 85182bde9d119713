"""Security headers Django's SecurityMiddleware does not set: CSP and Permissions-Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# No inline script or style anywhere: Django's admin (5.x) ships none, and our templates follow.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds HEADERS to every response; a view that set its own value keeps it.

    A view needing another policy (say, a third-party widget) sets the header itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.DEBUG and response.status_code >= 400:
            # Django's technical 404/500 pages style themselves inline; they exist only in DEBUG.
            del response.headers["Content-Security-Policy"]
        return response


class DropNulCookiesMiddleware:
    """Drops request cookies whose name or value holds a NUL byte, before the session lookup.

    PostgreSQL refuses NUL in text, so a forged session cookie would otherwise turn into a 500
    inside SessionMiddleware; an unreadable cookie is treated like an absent one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.COOKIES = {
            name: value
            for name, value in request.COOKIES.items()
            if "\x00" not in name and "\x00" not in value
        }
        return self.get_response(request)
