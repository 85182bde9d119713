"""Extract the named sub-processors from a parsed document: the only entry point."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EXTRACTOR_VERSION = "2"


@dataclass(frozen=True)
class Processor:
    """One processor as a page names it, resolved to a canonical vendor where possible."""

    name: str  # as written on the page
    vendor: str  # canonical vendor name (the catalogue's, or the cleaned name)
    purpose: str = ""
    locations: tuple[str, ...] = ()  # location codes from registry.locations ("US", "EU", ...)
    website: str = ""
    found_in: str = ""  # where on the page, e.g. "table 1 (Sub-processors), row 3"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["locations"] = list(self.locations)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Processor:
        return cls(
            name=str(data.get("name", "")),
            vendor=str(data.get("vendor", "")),
            purpose=str(data.get("purpose", "")),
            locations=tuple(data.get("locations") or ()),
            website=str(data.get("website", "")),
            found_in=str(data.get("found_in", "")),
        )


@dataclass(frozen=True)
class Extraction:
    processors: tuple[Processor, ...]
    warnings: tuple[str, ...] = ()
    format: str = ""  # "html", "markdown" or "text"
    # Where the list came from: "table", "list", "text-table", "prose", or "" when none.
    method: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def extract(
    document: Any,
    *,
    catalogue: Any,
    selector: str | None = None,
    self_names: Any = (),
) -> Extraction:
    """Return the sub-processors a parsed document names (see scraper.extract.reader)."""
    from scraper.extract.reader import read

    return read(document, catalogue=catalogue, selector=selector, self_names=tuple(self_names))
