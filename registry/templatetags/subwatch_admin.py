"""Template tags for the admin index: the dashboard numbers and the links behind them."""

from __future__ import annotations

from django import template

from registry import dashboard

register = template.Library()


@register.simple_tag
def dashboard_numbers() -> dashboard.Numbers:
    return dashboard.numbers()
