"""Trending: who has signed one petition unusually often in the last hour."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import case, func, select

from campaign.extensions import db
from campaign.integrity.screening import LARGE_PROVIDERS
from campaign.signing.models import Signature, SignatureState

TOP = 20


@dataclass(frozen=True)
class TrendingGroup:
    key: str  # what a selection posts back (an address hash, a domain, a postcode)
    label: str
    signatures: int
    counted: int
    note: str = ""


@dataclass(frozen=True)
class Trending:
    since: datetime
    total: int
    threshold: int
    addresses: list[TrendingGroup]
    domains: list[TrendingGroup]
    postcodes: list[TrendingGroup]


def _block_label(version: int | None, block: int | None) -> str:
    if version == 4 and block is not None:
        return str(ipaddress.IPv4Address(block << 8)).rsplit(".", 1)[0] + ".x"
    if version == 6 and block is not None:
        return str(ipaddress.IPv6Network((block << 80, 48)))
    return "unknown"


def _grouped(petition_id: int, since: datetime, key: Any, *extra: Any, threshold: int) -> list[Any]:
    counted = func.sum(case((Signature.state == SignatureState.CONFIRMED.value, 1), else_=0))
    return [
        tuple(row)
        for row in db.session.execute(
            select(key, func.count(), counted, *extra)
            .where(Signature.petition_id == petition_id, Signature.created_at >= since, key.is_not(None),
                   Signature.state != SignatureState.INVALIDATED.value)
            .group_by(key, *extra)
            .having(func.count() >= threshold)
            .order_by(func.count().desc())
            .limit(TOP)
        )
    ]  # fmt: skip


def trending(petition_id: int, now: datetime, *, hours: int = 1) -> Trending:
    since = now - timedelta(hours=hours)
    threshold = int(current_app.config["TRENDING_THRESHOLD"])
    total = int(
        db.session.scalar(
            select(func.count()).where(Signature.petition_id == petition_id, Signature.created_at >= since,
                                       Signature.state != SignatureState.INVALIDATED.value)
        ) or 0
    )  # fmt: skip
    addresses = [
        TrendingGroup(str(ip_hash), f"{_block_label(version, block)} (#{str(ip_hash)[:6]})", int(n), int(c or 0))
        for ip_hash, n, c, version, block in _grouped(
            petition_id, since, Signature.ip_hash, Signature.ip_version, Signature.ip_block, threshold=threshold
        )
    ]
    if db.session.get_bind().dialect.name == "postgresql":
        domain = func.split_part(Signature.canonical_email, "@", 2)
    else:
        domain = func.substr(Signature.canonical_email, func.instr(Signature.canonical_email, "@") + 1)
    domains = [
        TrendingGroup(str(name), str(name), int(n), int(c or 0),
                      "large provider, exempt from domain limits" if name in LARGE_PROVIDERS else "")
        for name, n, c in _grouped(petition_id, since, domain, threshold=threshold)
    ]  # fmt: skip
    postcodes = [
        TrendingGroup(str(code), str(code), int(n), int(c or 0))
        for code, n, c in _grouped(petition_id, since, Signature.postcode, threshold=threshold)
    ]
    db.session.rollback()
    return Trending(since, total, threshold, addresses, domains, postcodes)
