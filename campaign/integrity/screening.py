"""Screening each signature against rate limits and blocklists, and hashing client addresses.

Over-limit or blocklisted signatures are stored as *fraudulent*: the person sees the normal flow
and gets the normal email, but it never counts. Only grossly abusive rates get a 429 (the
``SIGN_RATE_LIMIT`` decorator on the views).

The limits live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``: memory by default, Redis
when several instances share the load). When that storage is down, screening falls back to a
per-process memory window and logs it: signing keeps working, limits hold per instance rather
than across them, and nothing is lost (see docs/abuse.md).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select

from campaign.extensions import db, limiter
from campaign.hotcache import hot_cache
from campaign.integrity.models import BlockedAddress, DomainRule, EmailDomainRule
from campaign.signing.models import FraudReason

logger = logging.getLogger(__name__)

# Large mail providers: many unrelated people share them, so they are exempt from the per-domain
# limit (admins can add more as "allow" rules).
LARGE_PROVIDERS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "live.co.uk",
    "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "aol.co.uk", "btinternet.com", "btopenworld.com", "sky.com", "virginmedia.com", "ntlworld.com",
    "talktalk.net", "tiscali.co.uk", "protonmail.com", "proton.me", "pm.me", "gmx.com", "gmx.co.uk",
    "mail.com", "zoho.com", "fastmail.com", "yandex.com", "hey.com", "tutanota.com", "nhs.net",
})  # fmt: skip

RULES_CACHE_SECONDS = 10.0


def keyed_hash(purpose: str, value: str, *, length: int = 32) -> str:
    """A keyed (HMAC) hash: equal values match, but nobody without the secret key can reverse it."""
    key = hashlib.sha256(f"campaign.{purpose}:{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:length]


@dataclass(frozen=True)
class ClientAddress:
    """What is kept of a client's IP address: a keyed hash and its /24 or /48 block."""

    ip_hash: str
    version: int
    block: int
    # What the per-address limit counts: the address, or for IPv6 its /64 (one household or phone
    # is given a whole /64, so counting single addresses would let it rotate freely).
    limit_key: str


def client_address_facts(raw: str | None) -> ClientAddress | None:
    try:
        address = ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    block = int(address) >> 8 if address.version == 4 else int(address) >> 80
    ip_hash = keyed_hash("client-ip", address.compressed)
    limit_key = ip_hash if address.version == 4 else keyed_hash("client-ip", f"{int(address) >> 64:x}/64")
    return ClientAddress(ip_hash, address.version, block, limit_key)


def domain_of(canonical: str) -> str:
    return canonical.rpartition("@")[2].lower()


# Public suffixes with two labels that people register under (enough for limits; a full public
# suffix list would only matter for rarer ones, which are then limited a little more loosely).
_TWO_LABEL_SUFFIXES = frozenset({
    "co.uk", "org.uk", "me.uk", "ltd.uk", "plc.uk", "net.uk", "sch.uk", "ac.uk", "gov.uk", "nhs.uk", "police.uk",
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "co.nz", "org.nz", "co.za", "co.jp", "ne.jp", "or.jp",
    "com.br", "com.cn", "com.mx", "co.in", "co.il", "com.tr", "com.sg", "com.hk", "co.kr",
})  # fmt: skip


def registrable_domain(domain: str) -> str:
    """``mail.x1.evil.example`` -> ``evil.example``: limits apply to the whole domain, so nobody gets a
    fresh allowance by inventing sub-domains."""
    labels = domain.split(".")
    keep = 3 if ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES else 2
    return ".".join(labels[-keep:])


def address_hash(canonical: str) -> str:
    return keyed_hash("blocked-address", canonical, length=64)


@dataclass(frozen=True)
class _Rules:
    blocked_domains: frozenset[str]
    allowed_domains: frozenset[str]
    blocked_addresses: frozenset[str]


def _load_rules() -> _Rules:
    rules = db.session.execute(select(EmailDomainRule.domain, EmailDomainRule.rule)).all()
    addresses = db.session.scalars(select(BlockedAddress.address_hash)).all()
    return _Rules(
        frozenset(domain for domain, rule in rules if rule == DomainRule.BLOCK),
        frozenset(domain for domain, rule in rules if rule == DomainRule.ALLOW) | LARGE_PROVIDERS,
        frozenset(addresses),
    )


def current_rules() -> _Rules:
    """The blocklists, kept in each process for a few seconds: the signing path reads them every time."""
    rules = hot_cache("integrity-rules").get_or_set("rules", RULES_CACHE_SECONDS, _load_rules)
    assert isinstance(rules, _Rules)
    return rules


def forget_rules() -> None:
    hot_cache("integrity-rules").discard("rules")


def _domain_matches(domain: str, listed: frozenset[str]) -> bool:
    """``mail.example.org`` is covered by a rule for ``example.org``."""
    parts = domain.split(".")
    return any(".".join(parts[index:]) in listed for index in range(len(parts) - 1))


# --- limits --------------------------------------------------------------------------------

_fallback = FixedWindowRateLimiter(MemoryStorage())
_last_storage_warning = 0.0


@lru_cache(maxsize=32)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def _items(setting: str) -> tuple[RateLimitItem, ...]:
    # Parsed once per distinct setting: this runs on every signature.
    return _parsed(str(current_app.config[setting]))


def _hit_all(items: Iterable[RateLimitItem], *keys: str) -> bool:
    """Count one event against each limit; False when any is exceeded."""
    global _last_storage_warning
    # The deployment's key prefix keeps sites (or test runs) sharing one Redis apart.
    keys = (str(current_app.config.get("RATELIMIT_KEY_PREFIX", "")), *keys)
    within = True
    for item in items:
        try:
            ok = limiter.limiter.hit(item, "screening", *keys)
        except Exception as error:
            if time.monotonic() - _last_storage_warning > 60:
                _last_storage_warning = time.monotonic()
                logger.warning("rate limit storage unavailable, limiting per process: %s", type(error).__name__)
            ok = _fallback.hit(item, "screening", *keys)
        within = within and ok
    return within


def screen_signature(petition_key: str, canonical: str, client: ClientAddress | None) -> FraudReason | None:
    """Why this signature should be held back silently, or None. Counts it against the limits."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    rules = current_rules()
    domain = domain_of(canonical)
    if rules.blocked_addresses and address_hash(canonical) in rules.blocked_addresses:
        return FraudReason.BLOCKED_ADDRESS
    if rules.blocked_domains and _domain_matches(domain, rules.blocked_domains):
        return FraudReason.BLOCKED_DOMAIN
    reason: FraudReason | None = None
    # Every limit is counted (not only up to the first exceeded), so a burst from one address
    # also shows against its domain and petition.
    if client is not None and not _hit_all(_items("SIGN_LIMIT_PER_IP"), "sign-ip", client.limit_key):
        reason = FraudReason.IP_RATE
    if not _domain_matches(domain, rules.allowed_domains) and not _hit_all(
        _items("SIGN_LIMIT_PER_DOMAIN"), "sign-domain", petition_key, registrable_domain(domain)
    ):
        reason = reason or FraudReason.DOMAIN_RATE
    if not _hit_all(_items("SIGN_LIMIT_PER_PETITION"), "sign-petition", petition_key):
        reason = reason or FraudReason.PETITION_RATE
    return reason
