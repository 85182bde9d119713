"""Sub-processor pages for the pipeline tests: a plain table any extractor reads."""

from __future__ import annotations

ROWS = {
    "Amazon Web Services": ("Hosting", "United States"),
    "Stripe": ("Payments", "United States"),
    "Mailgun": ("Email delivery", "United States"),
    "Intercom": ("Customer support", "Ireland"),
    "Sentry": ("Error monitoring", "United States"),
}


def page(
    *vendors: str, title: str = "Sub-processors", note: str = "", rows: dict | None = None
) -> str:
    table = {**ROWS, **(rows or {})}
    body = "".join(
        f"<tr><td>{name}</td><td>{table[name][0]}</td><td>{table[name][1]}</td></tr>"
        for name in vendors
    )
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{note}</p>"
        "<p>We use the following sub-processors to provide our service.</p>"
        "<table><thead><tr><th>Sub-processor</th><th>Purpose</th><th>Location</th></tr></thead>"
        f"<tbody>{body}</tbody></table></body></html>"
    )
