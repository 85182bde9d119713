"""manage.py ensure_admin: make sure a superuser "admin" exists and say how to log in."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

USERNAME = "admin"


class Command(BaseCommand):
    help = 'Create the superuser "admin" (password from ADMIN_PASSWORD or generated) if missing.'

    def handle(self, *args: Any, **options: Any) -> None:
        login_url = f"{settings.SITE_URL}/admin/"
        users = get_user_model().objects
        if users.filter(username=USERNAME).exists():
            self.stdout.write(f'User "{USERNAME}" already exists; log in at {login_url}')
            self.stdout.write(
                f"Forgot the password? Run: python manage.py changepassword {USERNAME}"
            )
            return
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.create_superuser(USERNAME, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f'Created superuser "{USERNAME}".'))
        self.stdout.write(f"Log in at {login_url}")
        self.stdout.write(f"  user:     {USERNAME}")
        self.stdout.write(f"  password: {password}")
