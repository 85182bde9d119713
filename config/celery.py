"""The Celery app for scale-out: workers check sources, beat enqueues what is due.

Configured from Django settings (CELERY_*). Without CELERY_BROKER_URL tasks run inline
(CELERY_TASK_ALWAYS_EAGER), so the embedded install needs no broker.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("subwatch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["scraper"])

# A static schedule: the interval per source lives on the Source row, so beat only needs
# to ask "what is due?" often; check_due_sources adds the per-source jitter.
app.conf.beat_schedule = {
    "check-due-sources": {"task": "scraper.check_due_sources", "schedule": 60.0},
    "send-alerts": {"task": "scraper.send_alerts", "schedule": 60.0},
}
