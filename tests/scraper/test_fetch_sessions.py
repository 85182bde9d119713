"""fetch() keeps one session per thread: connections are reused, never the guard's decisions."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest
import urllib3.util.connection

import netguard
from scraper.fetch import ConnectionFailed, TooLarge, fetch
from scraper.fetching import pinning, sessions

PAGE = "<html><body><h1>Sub-processors</h1><table><tr><td>Stripe</td></tr></table></body></html>"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket is opened to; anything but 127.0.0.1 is refused, never reached."""
    opened: list[str] = []
    real = urllib3.util.connection.create_connection

    def record(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address[0])
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(f"test network: {address[0]} is not reachable")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return opened


@pytest.fixture(autouse=True)
def fresh_session() -> None:
    sessions.close()


def answers(monkeypatch: pytest.MonkeyPatch, *sequence: list[str]) -> list[str]:
    """Resolve every host to the next answer in `sequence` (the last one repeats)."""
    pending, lookups = list(sequence), []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return pending.pop(0) if len(pending) > 1 else pending[0]

    monkeypatch.setattr(netguard, "resolve", resolve)
    return lookups


def test_it_reuses_one_connection_for_consecutive_fetches_of_one_host(
    page_server: Any, connections: list[str]
) -> None:
    first = page_server.set("/a", PAGE, headers={"ETag": '"a"'})
    second = page_server.set("/b", PAGE)

    fetch(first)
    fetch(second)
    fetch(first, etag='"a"')

    assert connections == ["127.0.0.1"]
    assert len(page_server.requests) == 3


def test_a_304_hands_its_connection_back_for_the_next_fetch(
    page_server: Any, connections: list[str]
) -> None:
    url = page_server.set("/p", status=304, headers={"ETag": '"v1"', "Content-Length": "0"})

    for _ in range(3):
        assert fetch(url, etag='"v1"').not_modified

    assert connections == ["127.0.0.1"]


def test_every_fetch_checks_the_host_again_even_over_a_kept_connection(
    page_server: Any, connections: list[str], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = []
    lookups = answers(monkeypatch, ["127.0.0.1"])
    page_server.set("/p", PAGE)
    url = f"http://pages.example:{page_server.port}/p"
    settings.SCRAPER_ALLOWED_HOSTS = ["pages.example"]
    fetch(url)
    settings.SCRAPER_ALLOWED_HOSTS = []

    with pytest.raises(netguard.errors.BlockedAddress):
        fetch(url)

    assert lookups == ["pages.example", "pages.example"]
    assert len(page_server.requests) == 1


def test_a_kept_connection_is_dropped_when_the_host_now_resolves_elsewhere(
    page_server: Any, connections: list[str], monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = ["moved.test"]
    answers(monkeypatch, ["127.0.0.1"], ["127.0.0.2"])
    page_server.set("/p", PAGE)
    url = f"http://moved.test:{page_server.port}/p"
    fetch(url)

    with pytest.raises(ConnectionFailed):
        fetch(url)

    assert connections == ["127.0.0.1", "127.0.0.2"]
    assert len(page_server.requests) == 1


def test_a_connection_idle_past_the_limit_is_not_reused(
    page_server: Any, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pinning, "MAX_IDLE_SECONDS", 0.0)
    url = page_server.set("/p", PAGE)

    fetch(url)
    fetch(url)

    assert connections == ["127.0.0.1", "127.0.0.1"]


def test_a_body_stopped_at_the_cap_never_leaves_its_rest_for_the_next_fetch(
    page_server: Any, connections: list[str], settings: Any
) -> None:
    settings.SCRAPER_MAX_BYTES = 1000
    huge = page_server.set("/huge", b"<p>" + b"x" * 200_000 + b"</p>")
    small = page_server.set("/small", PAGE)

    with pytest.raises(TooLarge):
        fetch(huge)
    fetched = fetch(small)

    assert fetched.text == PAGE
    assert connections == ["127.0.0.1", "127.0.0.1"]


def test_cookies_a_page_set_are_not_sent_to_the_next_fetch(page_server: Any) -> None:
    url = page_server.set("/p", PAGE, headers={"Set-Cookie": "tracking=1; Path=/"})

    fetch(url)
    fetch(url)

    assert [r["headers"].get("Cookie") for r in page_server.requests] == [None, None]


def test_the_user_agent_setting_applies_to_a_reused_session(
    page_server: Any, settings: Any
) -> None:
    url = page_server.set("/p", PAGE)
    fetch(url)
    settings.SCRAPER_USER_AGENT = "Subwatch-test/2"

    fetch(url)

    assert page_server.requests[1]["headers"]["User-Agent"] == "Subwatch-test/2"


def test_each_thread_has_its_own_session() -> None:
    seen: list[object] = []

    def grab() -> None:
        seen.append(sessions.current()[0])

    worker = threading.Thread(target=grab)
    worker.start()
    worker.join()
    grab()
    grab()

    assert seen[0] is not seen[1]
    assert seen[1] is seen[2]


def test_a_forked_child_does_not_inherit_its_parents_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = sessions.current()[0]
    monkeypatch.setattr(sessions.os, "getpid", lambda: -1)

    assert sessions.current()[0] is not parent
