"""Template tag for the admin index: the public charts over all companies."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from registry import charts

register = template.Library()


@register.simple_tag
def admin_charts() -> dict[str, SafeString]:
    return charts.admin_charts_context()
