"""SSRF guard: which URLs may be fetched, and which addresses their hosts may resolve to.

A top-level package, not part of the scraper: the registry validates URLs with it at save
time and the fetcher checks every hop with it, and the registry never imports the scraper.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

import idna
from django.conf import settings

from netguard.errors import BlockedAddress, DNSFailure, InvalidURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
SCHEMES = {"http": 80, "https": 443}

_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")

# Named so the refusal message says which kind of address it was.
_SPECIAL = [
    (ipaddress.ip_network(network), label)
    for network, label in (
        ("0.0.0.0/8", "the unspecified/'this network' range"),
        ("10.0.0.0/8", "a private address"),
        ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address (cloud metadata lives here)"),
        ("172.16.0.0/12", "a private address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.168.0.0/16", "a private address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::/96", "an unspecified, loopback or IPv4-compatible IPv6 address"),
        ("::ffff:0:0/96", "an IPv4-mapped IPv6 address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard-only IPv6 address"),
        ("2001::/32", "a Teredo tunnel address"),
        ("2001:db8::/32", "a documentation address"),
        ("fc00::/7", "a unique-local IPv6 address"),
        ("fe80::/10", "a link-local IPv6 address"),
        ("fec0::/10", "a site-local IPv6 address"),
        ("ff00::/8", "a multicast address"),
    )
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


@dataclass(frozen=True)
class Target:
    """A syntactically safe URL, normalised: the host is IDNA ASCII or a canonical IP."""

    url: str
    scheme: str
    host: str
    port: int
    ip: IPAddress | None


@dataclass(frozen=True)
class Destination:
    """A target plus the addresses it was checked against; connect only to these."""

    target: Target
    addresses: tuple[str, ...]


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (tests replace this with a stub resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def validate_url(url: str) -> str:
    """Save-time check: the normalised URL, or InvalidURL/BlockedAddress with the reason.

    A host that does not resolve yet is accepted here; the fetch reports it.
    """
    try:
        return check(url).target.url
    except DNSFailure:
        return parse(url).url


def check(url: str) -> Destination:
    """Parse, resolve and vet a URL; raise unless every address it resolves to is public."""
    target = parse(url)
    allowed = _is_allowed(target.host)
    if target.ip is not None:
        if not allowed:
            _refuse_if_special(target.ip, target=target)
        return Destination(target, (str(target.ip),))
    if not allowed and (target.host in _LOCAL_NAMES or target.host.endswith(".localhost")):
        raise BlockedAddress(f"{target.host} names this machine; it cannot be fetched.", url=url)
    addresses = _resolve(target)
    if not allowed:
        for address in addresses:
            _refuse_if_special(ipaddress.ip_address(address), target=target)
    return Destination(target, addresses)


def blocked_reason(ip: IPAddress) -> str | None:
    """Why this address must not be fetched, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"an IPv6 address embedding {embedded}, {inner}" if inner else None
    for network, label in _SPECIAL:
        if ip.version == network.version and ip in network:
            return label
    if not ip.is_global:
        return "not a public address"
    return None


def parse(url: str) -> Target:
    """Check the URL's shape (scheme, host, port, length, hidden characters) and normalise it."""
    url = (url or "").strip()
    if not url:
        raise InvalidURL("The URL is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"The URL is {len(url)} characters long; the limit is {MAX_URL_LENGTH}.")
    if _CONTROL.search(url):
        raise InvalidURL("The URL contains a space, tab, line break or control character.", url=url)
    if "\\" in url:
        raise InvalidURL("The URL contains a backslash; use forward slashes.", url=url)
    parts = _split(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        shown = f"{scheme}:" if scheme else "a scheme-relative URL (//host)"
        raise InvalidURL(f"Only http:// and https:// URLs can be watched, not {shown}.", url=url)
    if "@" in parts.netloc:
        raise InvalidURL("URLs with user:password@ before the host are not accepted.", url=url)
    port = _port(parts, url=url)
    host, ip = _host(parts.hostname or "", url=url)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    normalised = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(normalised, scheme, host, port or SCHEMES[scheme], ip)


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise InvalidURL(f"The URL cannot be parsed: {exc}.", url=url) from exc


def _port(parts: SplitResult, *, url: str) -> int | None:
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise InvalidURL(
            f"The port in {parts.netloc!r} is not a number between 1 and 65535.", url=url
        )
    return port


def _host(raw: str, *, url: str) -> tuple[str, IPAddress | None]:
    if not raw:
        raise InvalidURL("The URL has no host name.", url=url)
    if "%" in raw:
        raise InvalidURL("Percent-encoded or zone-scoped host names are not accepted.", url=url)
    if ":" in raw:
        try:
            ip6 = ipaddress.IPv6Address(raw)
        except ValueError as exc:
            raise InvalidURL(f"{raw!r} is not a valid IPv6 address.", url=url) from exc
        return str(ip6), ip6
    host = raw[:-1] if raw.endswith(".") else raw
    host = _ascii_host(host, url=url)
    labels = host.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        ip4 = _numeric_ipv4(host, url=url)
        return str(ip4), ip4
    if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise InvalidURL(f"{raw!r} is not a valid host name.", url=url)
    return host, None


def _ascii_host(host: str, *, url: str) -> str:
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidURL(f"{host!r} is not a valid international host name.", url=url) from exc


def _numeric_ipv4(host: str, *, url: str) -> ipaddress.IPv4Address:
    """Read 127.1, 2130706433, 0x7f000001 or 0177.0.0.1 the way the C resolver would."""
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError as exc:
        raise InvalidURL(f"{host!r} looks like an IP address but is not a valid one.") from exc


def _resolve(target: Target) -> tuple[str, ...]:
    try:
        answers = resolve(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        raise DNSFailure(
            f"The host {target.host} could not be resolved ({exc}); check the spelling.",
            url=target.url,
        ) from exc
    if not answers:
        raise DNSFailure(f"The host {target.host} has no addresses.", url=target.url)
    return tuple(str(ipaddress.ip_address(answer.split("%")[0])) for answer in answers)


def _refuse_if_special(ip: IPAddress, *, target: Target) -> None:
    reason = blocked_reason(ip)
    if reason is None:
        return
    where = target.host if target.host == str(ip) else f"{target.host} resolves to {ip}, which"
    raise BlockedAddress(
        f"{where} is {reason}; only public internet addresses can be fetched.", url=target.url
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ip.sixtofour
    return None


def _is_allowed(host: str) -> bool:
    allowed = {_canonical_entry(entry) for entry in getattr(settings, "SCRAPER_ALLOWED_HOSTS", ())}
    return host in allowed


def _canonical_entry(entry: str) -> str:
    entry = entry.strip().lower().strip("[]").rstrip(".")
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return entry
