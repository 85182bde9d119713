"""One reusable HTTP session per thread, so checks of pages on one host share a connection.

A new session per fetch paid for a session, an adapter and a TCP (and TLS) handshake every
time. Reuse is kept exactly as safe as a fresh session: each fetch starts with no cookies and
no pinned hosts (every hop is checked and pinned again by the fetch), and a kept-alive
connection is reused only to an address the guard approved again (see pinning.py). A forked
child never inherits its parent's sockets: sessions are per process as well as per thread.
"""

from __future__ import annotations

import os
import threading

import requests

from scraper.fetching.pinning import PinnedAdapter

_local = threading.local()


def current() -> tuple[requests.Session, PinnedAdapter]:
    """This thread's session and its pinned adapter, reset for a new fetch."""
    held = getattr(_local, "held", None)
    if held is None or held[0] != os.getpid():
        held = (os.getpid(), *_new())
        _local.held = held
    _, session, adapter = held
    session.cookies.clear()
    adapter.unpin_all()
    return session, adapter


def close() -> None:
    """Close this thread's session and its kept-alive connections (a new one comes next time)."""
    held = getattr(_local, "held", None)
    _local.held = None
    if held is not None and held[0] == os.getpid():
        held[1].close()


def _new() -> tuple[requests.Session, PinnedAdapter]:
    session = requests.Session()
    # No proxies or .netrc from the environment: a proxy would bypass address pinning.
    session.trust_env = False
    adapter = PinnedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter
