"""A requests adapter that connects only to addresses the SSRF guard already checked.

Re-resolving the host at connect time would let DNS rebinding swap in a private address
after the check; here the socket goes to the checked IPs while the Host header, TLS SNI
and certificate verification still use the host name.
"""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from scraper.fetching.errors import BlockedAddress

Pins = dict[str, tuple[str, ...]]


def pin_key(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _pinned_connection(base: type[HTTPConnection], pins: Pins) -> type[HTTPConnection]:
    class PinnedConnection(base):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> Any:
            addresses = pins.get(pin_key(self.host))
            if not addresses:
                raise BlockedAddress(f"{self.host} was not checked by the SSRF guard.")
            host, failure = self._dns_host, None
            try:
                for address in addresses:
                    self._dns_host = address
                    try:
                        return super()._new_conn()
                    except NewConnectionError as exc:
                        failure = exc
                raise failure  # type: ignore[misc]
            finally:
                self._dns_host = host

    return PinnedConnection


def _pinned_pool(base: type[HTTPConnectionPool], pins: Pins) -> type[HTTPConnectionPool]:
    connection = HTTPSConnection if base is HTTPSConnectionPool else HTTPConnection

    class PinnedPool(base):  # type: ignore[valid-type, misc]
        ConnectionCls = _pinned_connection(connection, pins)

    return PinnedPool


class PinnedAdapter(HTTPAdapter):
    """Mount on a session; call `pin(host, addresses)` before each request to a host."""

    def __init__(self) -> None:
        self.pins: Pins = {}
        super().__init__(max_retries=0)

    def pin(self, host: str, addresses: tuple[str, ...]) -> None:
        self.pins[pin_key(host)] = addresses

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _pinned_pool(HTTPConnectionPool, self.pins),
            "https": _pinned_pool(HTTPSConnectionPool, self.pins),
        }
