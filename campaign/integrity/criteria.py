"""What an invalidation matches: parsed from the organiser's form, kept as JSON, turned into SQL.

Within one kind of criterion any value matches (this address *or* that one); across kinds all
must match (these addresses *and* this time window).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from campaign.errors import ValidationFailed
from campaign.i18n import gettext as _
from campaign.identity import InvalidEmail, canonical_email, name_key, normalise_postcode
from campaign.integrity.screening import keyed_hash
from campaign.mail.service import mask_email
from campaign.signing.models import Signature

MAX_VALUES = 200
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_PREFIX = re.compile(r"^[A-Z]{1,2}([0-9][A-Z0-9]?( [0-9][A-Z]{0,2})?)?$")
DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass
class Criteria:
    addresses: list[str] = field(default_factory=list)  # IPs or CIDR ranges, as typed
    address_hashes: list[str] = field(default_factory=list)  # picked from the trending view
    domains: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)  # canonical; masked once applied
    name_pattern: str = ""  # * and ? wildcards, any case
    postcode_prefixes: list[str] = field(default_factory=list)
    since: str = ""  # ISO times, UTC
    until: str = ""

    def to_json(self) -> str:
        return json.dumps({key: value for key, value in asdict(self).items() if value}, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Criteria:
        data: dict[str, Any] = json.loads(raw or "{}")
        return cls(**{key: value for key, value in data.items() if key in cls.__dataclass_fields__})

    def is_empty(self) -> bool:
        return not (self.addresses or self.address_hashes or self.domains or self.emails or self.name_pattern
                    or self.postcode_prefixes or self.since or self.until)  # fmt: skip

    def without_addresses(self) -> Criteria:
        """For keeping once applied: email addresses replaced by masked ones (nothing needs them again)."""
        return Criteria(**{**asdict(self), "emails": [mask_email(email) for email in self.emails]})

    def describe(self) -> list[str]:
        parts = []
        if self.addresses:
            parts.append("IP address or range: " + ", ".join(self.addresses))
        if self.address_hashes:
            parts.append(f"{len(self.address_hashes)} address(es) picked from trending")
        if self.domains:
            parts.append("Email domain: " + ", ".join(self.domains))
        if self.emails:
            parts.append("Email address: " + ", ".join(mask_email(email) for email in self.emails))
        if self.name_pattern:
            parts.append(f"Name like: {self.name_pattern}")
        if self.postcode_prefixes:
            parts.append(_("Postcode starting: %(prefixes)s", prefixes=", ".join(self.postcode_prefixes)))
        if self.since or self.until:
            parts.append(f"Signed between {self.since or 'the start'} and {self.until or 'now'} (UTC)")
        return parts


def criteria_fingerprint(criteria: Criteria) -> str:
    """Identifies a set of criteria, so what is applied is what was previewed."""
    return hashlib.sha256(criteria.to_json().encode()).hexdigest()[:32]


def _values(raw: str) -> list[str]:
    return [value.strip() for value in re.split(r"[\s,;]+", raw or "") if value.strip()]


def parse_criteria(
    *, addresses: str = "", address_hashes: list[str] | None = None, domains: str = "", emails: str = "",
    name_pattern: str = "", postcode_prefixes: str = "", since: datetime | None = None,
    until: datetime | None = None,
) -> Criteria:  # fmt: skip
    """Criteria from the form; raises ValidationFailed with a message per field."""
    errors: dict[str, str] = {}
    criteria = Criteria(since=since.isoformat() if since else "", until=until.isoformat() if until else "")
    for value in _values(addresses):
        try:
            network = _unmapped(ipaddress.ip_network(value, strict=False))
        except ValueError:
            errors["addresses"] = f"“{value[:60]}” is not an IP address or range, like 203.0.113.7 or 203.0.113.0/24"
            break
        widest_kept = 24 if network.version == 4 else 48
        if network.num_addresses > 1 and network.prefixlen > widest_kept:
            errors["addresses"] = (
                f"{value[:60]} is narrower than /{widest_kept}: only whole addresses and /{widest_kept} blocks "
                f"are kept, so use a single address or a range of /{widest_kept} or wider"
            )
            break
        criteria.addresses.append(network.with_prefixlen if network.num_addresses > 1 else str(network.network_address))
    criteria.address_hashes = [value for value in (address_hashes or []) if re.fullmatch(r"[0-9a-f]{32}", value)]
    for value in _values(domains.lower()):
        value = value.lstrip("@")
        if not DOMAIN_PATTERN.match(value):
            errors["domains"] = f"“{value[:60]}” is not an email domain, like example.org"
            break
        criteria.domains.append(value)
    for value in _values(emails):
        try:
            criteria.emails.append(canonical_email(value))
        except InvalidEmail:
            errors["emails"] = f"“{value[:60]}” is not an email address"
            break
    pattern = name_pattern.strip()
    if len(pattern) > 100:
        errors["name_pattern"] = "Name pattern must be 100 characters or fewer"
    elif pattern and not _folded_pattern(pattern).strip("%_"):
        errors["name_pattern"] = "A name pattern needs some letters, not only wildcards"
    criteria.name_pattern = pattern
    for raw in re.split(r"[,;\n]+", postcode_prefixes.upper()):
        value = " ".join(raw.split())
        if not value:
            continue
        value = normalise_postcode(value) or value  # a whole postcode typed without its space
        if not _PREFIX.match(value):
            errors["postcode_prefixes"] = _(
                "“%(value)s” is not the start of a UK postcode, like YO1, YO1 7 or LS", value=value[:20]
            )
            break
        criteria.postcode_prefixes.append(value)
    if since and until and since >= until:
        errors["until"] = "The end of the time window must be after its start"
    for name in ("addresses", "domains", "emails", "postcode_prefixes"):
        if len(getattr(criteria, name)) > MAX_VALUES:
            errors[name] = f"Give at most {MAX_VALUES} values"
    if not errors and criteria.is_empty():
        errors[""] = "Give at least one criterion: addresses, domains, names, postcodes or a time window"
    if errors:
        raise ValidationFailed(errors)
    return criteria


def _folded_pattern(glob: str) -> str:
    """A LIKE pattern on ``name_key``: each part folded as names are (case, accents, spaces and
    punctuation), so matching is the same on SQLite and PostgreSQL; ``*`` and ``?`` are wildcards."""
    parts = re.split(r"([*?])", glob)
    return "".join({"*": "%", "?": "_"}.get(part) or name_key(part) for part in parts)


def _unmapped(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``::ffff:10.1.2.0/120`` is ``10.1.2.0/24``: signing stores IPv4-mapped addresses as IPv4."""
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


def _address_condition(value: str) -> ColumnElement[bool]:
    network = _unmapped(ipaddress.ip_network(value, strict=False))
    if network.num_addresses == 1:
        return Signature.ip_hash == keyed_hash("client-ip", network.network_address.compressed)
    shift = 8 if network.version == 4 else 80
    low, high = int(network.network_address) >> shift, int(network.broadcast_address) >> shift
    return and_(Signature.ip_version == network.version, Signature.ip_block.between(low, high))


def _postcode_condition(prefix: str) -> ColumnElement[bool]:
    if " " in prefix:  # a sector (YO1 7) or a whole postcode (YO1 7HH)
        return Signature.postcode == prefix if len(prefix.split(" ")[1]) == 3 else Signature.postcode.like(f"{prefix}%")
    if _OUTWARD.match(prefix):  # a district: YO1 means YO1 only, not YO10-YO19
        return Signature.postcode.like(f"{prefix} %")
    # An area: B means B1, B23..., not BA or BS, so a digit must follow the letters.
    return or_(*(Signature.postcode.like(f"{prefix}{digit}%") for digit in "0123456789"))


def conditions(criteria: Criteria) -> list[ColumnElement[bool]]:
    """SQL conditions on signatures (all must hold)."""
    found: list[ColumnElement[bool]] = []
    if criteria.addresses or criteria.address_hashes:
        options = [_address_condition(value) for value in criteria.addresses]
        if criteria.address_hashes:
            options.append(Signature.ip_hash.in_(criteria.address_hashes))
        found.append(or_(*options))
    if criteria.domains:
        found.append(
            or_(*(Signature.canonical_email.like(f"%@{domain}") for domain in criteria.domains),
                *(Signature.canonical_email.like(f"%.{domain}") for domain in criteria.domains))
        )  # fmt: skip
    if criteria.emails:
        found.append(Signature.canonical_email.in_(criteria.emails))
    if criteria.name_pattern:
        found.append(Signature.name_key.like(_folded_pattern(criteria.name_pattern)))
    if criteria.postcode_prefixes:
        found.append(or_(*(_postcode_condition(prefix) for prefix in criteria.postcode_prefixes)))
    if criteria.since:
        found.append(Signature.created_at >= datetime.fromisoformat(criteria.since))
    if criteria.until:
        found.append(Signature.created_at < datetime.fromisoformat(criteria.until))
    return found
