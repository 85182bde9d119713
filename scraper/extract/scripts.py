"""Fallback: a processor list shipped only as JSON inside a <script> (client-rendered pages)."""

from __future__ import annotations

import json

from registry.catalogue import Catalogue
from scraper.extract.cleanup import Finding, has_legal_suffix, name_like

_NAME_KEYS = ("name", "vendor", "entity", "processor", "subprocessor", "company", "provider")
_NAME_KEYS = (*_NAME_KEYS, *(f"{k}name" for k in _NAME_KEYS[1:]), "legalname")  # "vendorName"
_PURPOSE_KEYS = ("purpose", "description", "function", "service", "activity", "processing")
_LOCATION_KEYS = ("location", "country", "region", "locations", "countries", "datalocation")
_LIMIT = 20000  # JSON nodes visited per script


def read_scripts(scripts: tuple[str, ...], *, catalogue: Catalogue) -> list[Finding]:
    findings: list[Finding] = []
    for number, text in enumerate(scripts, start=1):
        try:
            data = json.loads(text)
        except ValueError:
            continue
        findings += _records(data, number=number, catalogue=catalogue)
    return findings


def _records(data: object, *, number: int, catalogue: Catalogue) -> list[Finding]:
    found: list[Finding] = []
    stack, seen = [data], 0
    while stack and seen < _LIMIT:  # iterative: hostile JSON may nest deeply
        node = stack.pop()
        seen += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            finding = _record(node, number=number, order=seen, catalogue=catalogue)
            if finding:
                found.append(finding)
            stack.extend(reversed([v for v in node.values() if isinstance(v, (list, dict))]))
    return found


def _pick(lowered: dict, keys: tuple[str, ...]) -> str:
    for k in keys:
        value = lowered.get(k)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if isinstance(v, str))
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _record(node: dict, *, number: int, order: int, catalogue: Catalogue) -> Finding | None:
    # Keys read the same however they are cased or joined ("vendor_name", "vendorName").
    lowered = {str(k).casefold().replace("_", "").replace("-", ""): v for k, v in node.items()}
    name = _pick(lowered, _NAME_KEYS)
    if not name or not name_like(name, catalogue=catalogue) or len(name.split()) > 6:
        return None
    purpose, location = _pick(lowered, _PURPOSE_KEYS), _pick(lowered, _LOCATION_KEYS)
    if not (purpose or location) and not (catalogue.resolve(name) or has_legal_suffix(name)):
        return None
    where = f"script data {number}"
    return Finding(name, purpose, location, "", where, "script", order)
