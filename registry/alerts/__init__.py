"""Email alerts through an outbox: enqueue rows with the change, send each exactly once."""

from __future__ import annotations

from registry.alerts.outbox import (
    detected_mailed,
    enqueue_confirmed,
    enqueue_detected,
    enqueue_digests,
    enqueue_source_failing,
    enqueue_source_recovered,
    withdraw_detected,
)
from registry.alerts.sender import SendReport, send_pending

__all__ = [
    "SendReport",
    "detected_mailed",
    "enqueue_confirmed",
    "enqueue_detected",
    "enqueue_digests",
    "enqueue_source_failing",
    "enqueue_source_recovered",
    "send_pending",
    "withdraw_detected",
]
