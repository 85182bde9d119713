"""Subscribe with double opt-in, confirm and unsubscribe through signed, single-use links."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from registry import ratelimit
from registry.alerts import links
from registry.alerts.headers import new_message_id
from registry.models import Alert, Company, Subscription

CONFIRM_SALT = "subwatch.subscription.confirm"
UNSUBSCRIBE_SALT = "subwatch.subscription.unsubscribe"
# Unsubscribe links sit in old mail; they must keep working far longer than a confirm link.
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)
MAX_EMAIL_LENGTH = 254


class InvalidEmail(ValueError):
    """The address can't be used: says why in words a visitor understands."""


class BadToken(Exception):
    """A confirm/unsubscribe link that is tampered with, expired or already used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "used"


class Outcome(enum.Enum):
    CONFIRMATION_QUEUED = "confirmation_queued"
    ALREADY_ACTIVE = "already_active"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SubscribeResult:
    """What happened; the view shows the same page whatever it is (no enumeration)."""

    outcome: Outcome
    subscription: Subscription | None = None


def normalise_email(raw: str) -> str:
    """Return the address lower-cased, or raise InvalidEmail (CR/LF, too long, malformed)."""
    if any(char in raw for char in "\r\n\x00"):
        raise InvalidEmail("An email address can't contain line breaks.")
    address = raw.strip()
    if len(address) > MAX_EMAIL_LENGTH:
        raise InvalidEmail(f"An email address can't be longer than {MAX_EMAIL_LENGTH} characters.")
    try:
        validate_email(address)
    except ValidationError as error:
        raise InvalidEmail("Enter a valid email address, like name@example.com.") from error
    return address.lower()


def subscribe(
    email: str,
    *,
    company: Company | None,
    frequency: str = Subscription.Frequency.IMMEDIATE,
    client_ip: str,
    now: datetime,
) -> SubscribeResult:
    """Start a double opt-in: queue a confirmation mail unless the address is already active.

    An active address gets no mail at all, so a stranger can neither learn that it
    is subscribed nor use the form to flood it. Over the per-address or per-client
    rate, nothing is queued. Raises InvalidEmail for an unusable address.
    """
    address = normalise_email(email)
    by_address = ratelimit.allow(
        f"subscribe:address:{address}", rate=settings.SUBSCRIBE_RATE_PER_ADDRESS, now=now
    )
    by_client = ratelimit.allow(
        f"subscribe:client:{client_ip}", rate=settings.SUBSCRIBE_RATE_PER_CLIENT, now=now
    )
    if not (by_address and by_client):
        return SubscribeResult(Outcome.THROTTLED)
    with transaction.atomic():
        subscription, _ = Subscription.objects.select_for_update().get_or_create(
            email=address, company=company, defaults={"frequency": frequency}
        )
        if subscription.status == Subscription.Status.ACTIVE:
            return SubscribeResult(Outcome.ALREADY_ACTIVE, subscription)
        subscription.status = Subscription.Status.PENDING
        subscription.frequency = frequency
        subscription.save(update_fields=["status", "frequency"])
        _queue_confirmation(subscription, now=now)
    return SubscribeResult(Outcome.CONFIRMATION_QUEUED, subscription)


def _queue_confirmation(subscription: Subscription, *, now: datetime) -> None:
    # Runs under the subscription's row lock, so the count makes a unique, stable key.
    sent_before = Alert.objects.filter(
        subscription=subscription, kind=Alert.Kind.CONFIRM_SUBSCRIPTION
    ).count()
    Alert.objects.create(
        kind=Alert.Kind.CONFIRM_SUBSCRIPTION,
        dedupe_key=f"confirm:{subscription.pk}:{sent_before + 1}",
        message_id=new_message_id(),
        recipient=subscription.email,
        subscription=subscription,
        next_attempt_at=now,
    )


def make_token(subscription: Subscription, *, salt: str) -> str:
    signer = signing.TimestampSigner(salt=salt)
    return signer.sign_object({"s": subscription.pk, "v": subscription.token_version})


def confirm_url(subscription: Subscription) -> str:
    token = make_token(subscription, salt=CONFIRM_SALT)
    return links.absolute(reverse("subscribe-confirm", kwargs={"token": token}))


def unsubscribe_url(subscription: Subscription) -> str:
    token = make_token(subscription, salt=UNSUBSCRIBE_SALT)
    return links.absolute(reverse("unsubscribe", kwargs={"token": token}))


def _load(token: str, *, salt: str, max_age: timedelta) -> tuple[Subscription, int]:
    signer = signing.TimestampSigner(salt=salt)
    try:
        data = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadToken("expired") from error
    except (signing.BadSignature, ValueError) as error:
        raise BadToken("invalid") from error
    if not isinstance(data, dict):
        raise BadToken("invalid")
    subscription = Subscription.objects.select_related("company").filter(pk=data.get("s")).first()
    if subscription is None:
        raise BadToken("invalid")
    if subscription.token_version != data.get("v"):
        raise BadToken("used")
    return subscription, subscription.token_version


def _confirm_max_age() -> timedelta:
    return timedelta(days=settings.SUBSCRIPTION_TOKEN_MAX_AGE_DAYS)


def check_confirm(token: str) -> Subscription:
    """The pending subscription a confirm link is for, or BadToken."""
    subscription, _ = _load(token, salt=CONFIRM_SALT, max_age=_confirm_max_age())
    if subscription.status != Subscription.Status.PENDING:
        raise BadToken("used")
    return subscription


def confirm(token: str, *, now: datetime | None = None) -> Subscription:
    """Activate the subscription; the link (and any older link) stops working."""
    now = now or timezone.now()
    subscription, version = _load(token, salt=CONFIRM_SALT, max_age=_confirm_max_age())
    # Conditional UPDATE: two clicks at once activate it once, the second sees "used".
    done = Subscription.objects.filter(
        pk=subscription.pk, token_version=version, status=Subscription.Status.PENDING
    ).update(status=Subscription.Status.ACTIVE, confirmed_at=now, token_version=version + 1)
    if not done:
        raise BadToken("used")
    subscription.refresh_from_db()
    return subscription


def check_unsubscribe(token: str) -> Subscription:
    """The subscription an unsubscribe link is for, or BadToken."""
    subscription, _ = _load(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        raise BadToken("used")
    return subscription


def unsubscribe(token: str, *, now: datetime | None = None) -> Subscription:
    """Stop all mail to this subscription; pending alerts to it are cancelled at send time."""
    now = now or timezone.now()
    subscription, version = _load(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    done = (
        Subscription.objects.filter(pk=subscription.pk, token_version=version)
        .exclude(status=Subscription.Status.UNSUBSCRIBED)
        .update(
            status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=now, token_version=version + 1
        )
    )
    if not done:
        raise BadToken("used")
    subscription.refresh_from_db()
    return subscription
