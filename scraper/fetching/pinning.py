"""A requests adapter that connects only to addresses the SSRF guard already checked.

Re-resolving the host at connect time would let DNS rebinding swap in a private address
after the check; here the socket goes to the checked IPs while the Host header, TLS SNI
and certificate verification still use the host name.

The adapter lives as long as its session (one per thread, see sessions.py), so a kept-alive
connection is reused only while the address it was opened to is among the addresses the
guard approved for this fetch, and only if it has not sat idle long enough for the server
to be closing it.
"""

from __future__ import annotations

import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from scraper.fetching.errors import BlockedAddress

Pins = dict[str, tuple[str, ...]]

# Servers commonly drop idle keep-alive connections after 5 s (Apache, Node) or more; a
# connection idle for longer is not reused, so a request never races the server's close.
MAX_IDLE_SECONDS = 2.0


def pin_key(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _pinned_connection(base: type[HTTPConnection], pins: Pins) -> type[HTTPConnection]:
    class PinnedConnection(base):  # type: ignore[valid-type, misc]
        # The checked address this connection's socket went to, and when it was last released.
        pinned_to: str | None = None
        idle_since: float = 0.0

        def _new_conn(self) -> Any:
            addresses = pins.get(pin_key(self.host))
            if not addresses:
                raise BlockedAddress(f"{self.host} was not checked by the SSRF guard.")
            host, failure = self._dns_host, None
            self.pinned_to = None
            try:
                for address in addresses:
                    self._dns_host = address
                    try:
                        sock = super()._new_conn()
                    except NewConnectionError as exc:
                        failure = exc
                        continue
                    self.pinned_to = address
                    return sock
                raise failure  # type: ignore[misc]
            finally:
                self._dns_host = host

    return PinnedConnection


def _pinned_pool(base: type[HTTPConnectionPool], pins: Pins) -> type[HTTPConnectionPool]:
    connection = HTTPSConnection if base is HTTPSConnectionPool else HTTPConnection

    class PinnedPool(base):  # type: ignore[valid-type, misc]
        ConnectionCls = _pinned_connection(connection, pins)

        def _get_conn(self, timeout: float | None = None) -> Any:
            conn = super()._get_conn(timeout)
            if getattr(conn, "sock", None) is not None and not _reusable(conn, pins):
                # Closed here, it reconnects through _new_conn to a freshly checked address.
                conn.close()
            return conn

        def _put_conn(self, conn: Any) -> None:
            if conn is not None:
                conn.idle_since = time.monotonic()
            super()._put_conn(conn)

    return PinnedPool


def _reusable(conn: Any, pins: Pins) -> bool:
    approved = pins.get(pin_key(conn.host), ())
    fresh = time.monotonic() - conn.idle_since < MAX_IDLE_SECONDS
    return conn.pinned_to is not None and conn.pinned_to in approved and fresh


class PinnedAdapter(HTTPAdapter):
    """Mount on a session; call `pin(host, addresses)` before each request to a host.

    `unpin_all()` at the start of each fetch, so only hosts checked by that fetch can be
    connected to (or have their kept-alive connections reused).
    """

    def __init__(self) -> None:
        self.pins: Pins = {}
        super().__init__(max_retries=0)

    def pin(self, host: str, addresses: tuple[str, ...]) -> None:
        self.pins[pin_key(host)] = addresses

    def unpin_all(self) -> None:
        self.pins.clear()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, self.pins),
            "https": _pinned_pool(HTTPSConnectionPool, self.pins),
        }
