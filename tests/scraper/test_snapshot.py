"""snapshot.store: one body per distinct hash, one Snapshot per state of a page."""

from __future__ import annotations

import zlib
from datetime import timedelta

import pytest
from django.utils import timezone

from registry.models import Snapshot, SnapshotBody
from scraper import snapshot
from scraper.fetch import Fetched
from tests.builders import make_company, make_source

pytestmark = pytest.mark.django_db


def fetched(body: bytes = b"<h1>list</h1>", *, not_modified: bool = False) -> Fetched:
    return Fetched(
        url="https://example.com/subprocessors",
        final_url="https://example.com/subprocessors",
        status=304 if not_modified else 200,
        body=b"" if not_modified else body,
        text=body.decode(),
        content_type="text/html",
        charset="utf-8",
        etag='"v1"',
        last_modified="",
        not_modified=not_modified,
        elapsed_ms=3,
    )


def test_first_fetch_stores_a_compressed_body_and_a_snapshot() -> None:
    source = make_source(make_company())

    snap, is_new = snapshot.store(source, fetched(b"hello " * 100), now=timezone.now())

    assert is_new
    body = SnapshotBody.objects.get()
    assert zlib.decompress(bytes(body.compressed)) == b"hello " * 100
    assert body.size == 600
    assert snapshot.read_body(snap) == b"hello " * 100


def test_same_bytes_again_only_stamps_last_seen() -> None:
    source = make_source(make_company())
    start = timezone.now()
    first, _ = snapshot.store(source, fetched(), now=start)

    again, is_new = snapshot.store(source, fetched(), now=start + timedelta(hours=1))

    assert not is_new
    assert again.pk == first.pk
    assert Snapshot.objects.get().last_seen_at == start + timedelta(hours=1)


def test_not_modified_answer_reuses_the_latest_snapshot() -> None:
    source = make_source(make_company())
    first, _ = snapshot.store(source, fetched(), now=timezone.now())

    again, is_new = snapshot.store(source, fetched(not_modified=True), now=timezone.now())

    assert not is_new
    assert again.pk == first.pk
    assert SnapshotBody.objects.count() == 1


def test_not_modified_without_a_stored_snapshot_is_an_error() -> None:
    source = make_source(make_company())

    with pytest.raises(ValueError, match="304"):
        snapshot.store(source, fetched(not_modified=True), now=timezone.now())


def test_two_sources_with_the_same_bytes_share_one_body() -> None:
    company = make_company()
    one = make_source(company, "https://example.com/a")
    two = make_source(company, "https://example.com/b")

    snapshot.store(one, fetched(), now=timezone.now())
    snapshot.store(two, fetched(), now=timezone.now())

    assert SnapshotBody.objects.count() == 1
    assert Snapshot.objects.count() == 2


def test_flapping_back_reuses_the_body_but_is_a_new_snapshot() -> None:
    source = make_source(make_company())
    start = timezone.now()
    a, _ = snapshot.store(source, fetched(b"A"), now=start)
    snapshot.store(source, fetched(b"B"), now=start + timedelta(minutes=1))

    back, is_new = snapshot.store(source, fetched(b"A"), now=start + timedelta(minutes=2))

    assert is_new
    assert back.pk != a.pk
    assert back.body_id == a.body_id
    assert SnapshotBody.objects.count() == 2


def test_body_for_returns_the_existing_row_for_known_bytes() -> None:
    first = snapshot.body_for(b"same bytes")

    second = snapshot.body_for(b"same bytes")

    assert first.pk == second.pk
