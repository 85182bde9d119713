"""Purpose vocabulary and the keyword rules that map a purpose as written onto it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from registry.names import clean


@dataclass(frozen=True)
class PurposeTerm:
    """One controlled purpose: slug, display name and the stems that signal it."""

    slug: str
    name: str
    description: str
    keywords: tuple[str, ...]


def _term(slug: str, name: str, description: str, keywords: str) -> PurposeTerm:
    return PurposeTerm(slug, name, description, tuple(k.strip() for k in keywords.split("|")))


# Keywords are regular expressions matched at a word start in casefolded text.
PURPOSES: tuple[PurposeTerm, ...] = (
    _term(
        "hosting",
        "Hosting & infrastructure",
        "Servers, cloud platforms, CDNs, DNS.",
        r"host|infrastructure|cloud (?:provider|service|platform|computing)|servers?\b|"
        r"data ?cent(?:er|re)|cdn\b|content delivery|compute\b|dns\b|deploy|paas\b|iaas\b|"
        r"cloud storage services|sandbox",
    ),
    _term(
        "email-delivery",
        "Email delivery",
        "Sending, receiving and forwarding email.",
        r"e-?mail (?:sending|delivery|service|forwarding|infrastructure|provider|api)|"
        r"transactional e-?mails?|smtp|mail server|cloud e-?mail|sending e-?mails?|"
        r"account e-?mails|receipts|e-?mail forwarding|forwarding e-?mail|e-?mails?\b|broadcast",
    ),
    _term(
        "payments",
        "Payments & billing",
        "Payment processing, billing, invoicing.",
        r"payment|billing|invoic|merchant of record|credit card|checkout|subscription management|"
        r"bank transfer|wire payment|card transactions|tax (?:calculation|compliance)",
    ),
    _term(
        "analytics",
        "Analytics",
        "Product, web and business analytics.",
        r"analy[tsz]|metrics|statistic|session (?:replay|record)|heatmap|behaviou?r|"
        r"reporting|insights|business intelligence|a/b test|experiment|usage (?:and|&) "
        r"(?:traffic|performance)|data warehouse|tracks? user|etl\b|data (?:pipeline|transport|"
        r"integration)",
    ),
    _term(
        "customer-support",
        "Customer support",
        "Help desk, support chat, customer success.",
        r"support|help ?desk|ticket|live (?:visitors )?chat|chat widget|customer service|"
        r"customer success|customer feedback|feedback",
    ),
    _term(
        "crm",
        "CRM & sales",
        "Customer relationship management and sales tooling.",
        r"crm\b|customer relationship|sales|lead gen|prospect",
    ),
    _term(
        "marketing",
        "Marketing",
        "Newsletters, campaigns, surveys, affiliates, reviews.",
        r"marketing|newsletter|campaign|survey|review|referral|affiliate|webinar|social media|"
        r"promot",
    ),
    _term(
        "monitoring",
        "Monitoring & logging",
        "Error tracking, logs, uptime, performance.",
        r"monitor|error|logging|logs?\b|uptime|alerting|observab|apm\b|crash|bugs?\b|"
        r"incident|performance",
    ),
    _term(
        "communication",
        "Communication",
        "SMS, voice, push, messaging, video calls.",
        r"sms\b|voice|phone|calls?\b|telephon|push notification|messaging|video conferenc|"
        r"team communication|internal communication|meetings?\b|notification|chat ?ops|"
        r"instant messaging",
    ),
    _term(
        "collaboration",
        "Collaboration & productivity",
        "Internal tools, docs, issue tracking.",
        r"collaborat|project management|issue tracking|document|knowledge|wiki|file sharing|"
        r"productivity|office suite|internal (?:company|tool)|scheduling|signature|contract|"
        r"workspace|workflow|blog",
    ),
    _term(
        "security",
        "Security & compliance",
        "DDoS, fraud, bot protection, identity checks.",
        r"secur|ddos|firewall|fraud|captcha|bot protection|vulnerab|compliance|kyc\b|"
        r"identity verification|spam|abuse",
    ),
    _term(
        "ai",
        "AI & machine learning",
        "Model APIs, inference, transcription.",
        r"ai\b|artificial intelligence|machine learning|llm|language model|gpt|inference|"
        r"transcri|speech|generative|embedding|model provider|models\b",
    ),
    _term(
        "advertising",
        "Advertising",
        "Ads, retargeting, conversion tracking.",
        r"advertis|ads\b|retarget|remarketing|conversion tracking|ad network|pixel",
    ),
    _term(
        "storage",
        "Storage & backup",
        "Files, backups, databases, object storage.",
        r"storage|backup|cloud drive|object stor|archiv|database|data stor|file stor",
    ),
    _term(
        "authentication",
        "Authentication",
        "Login, SSO, identity providers.",
        r"authenticat|log ?in\b|sign[- ]?in|sso\b|single sign[- ]on|identity provider|oauth|"
        r"2fa\b|mfa\b|two-factor",
    ),
    _term(
        "data-enrichment",
        "Data enrichment",
        "Geolocation, email validation, firmographics.",
        r"enrich|geo ?locat|ip geo|e-?mail (?:address )?validat|validat\w* e-?mail|"
        r"domain logos|firmographic|contact data|lead data",
    ),
    _term("other", "Other", "Anything the vocabulary does not name.", r"(?!x)x"),
)
BY_SLUG: dict[str, PurposeTerm] = {term.slug: term for term in PURPOSES}


@cache
def _rules() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (term.slug, re.compile(r"(?<![a-z0-9])(?:" + "|".join(term.keywords) + ")"))
        for term in PURPOSES
    )


def normalise(text: str) -> tuple[str, ...]:
    """Return the purpose slugs a purpose as written names, in vocabulary order.

    "Cloud Email Service" -> ("email-delivery",); "Analytics, Online Advertising" ->
    ("analytics", "advertising"); text that names nothing known -> ("other",); blank -> ().
    """
    folded = clean(text).casefold()
    if not folded:
        return ()
    slugs = tuple(slug for slug, pattern in _rules() if pattern.search(folded))
    return slugs or ("other",)


def name_of(slug: str) -> str:
    """Return the display name of a purpose slug, or the slug itself when unknown."""
    term = BY_SLUG.get(slug)
    return term.name if term else slug
