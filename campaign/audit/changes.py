"""Which models the audit log follows, and how their values are written down.

Values are recorded as JSON: secrets and bookkeeping columns are left out, email addresses are
masked, long text is cut short, and JSON documents (a consultation's questions) are recorded as
the parts that changed, so moving one question does not copy the whole questionnaire twice.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from campaign.mail.service import mask_email

# Never recorded, whichever model has them: secrets, link nonces (anyone holding one could open a
# private link) and columns derived from others or touched by every change.
GLOBAL_SKIP = frozenset({
    "password_hash", "totp_secret", "totp_last_step", "secret_hash", "link_nonce", "share_nonce",
    "submission_id", "body_html", "intro_html", "updated_at", "created_at",
})  # fmt: skip
TEXT_LIMIT = 10_000

UpdateNamer = Callable[[frozenset[str], Mapping[str, Any], Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class Audited:
    """A model whose inserts, updates and deletes in the console are recorded."""

    type_name: str
    skip: frozenset[str] = frozenset()
    # Columns whose changes are recorded without their values (personal data an erasure must remove).
    withheld: frozenset[str] = frozenset()
    json_columns: frozenset[str] = frozenset()
    # Names an update from the columns that changed (and their old and new values), or None for "update".
    name_update: UpdateNamer | None = None
    # Child collections recorded as a list on this model's events: attribute -> child spec.
    children: dict[str, AuditedChildren] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditedChildren:
    """Rows that belong to a parent (an area's postcode prefixes), recorded as a list on the parent."""

    model: Any
    parent_key: str  # the child's column holding the parent's id
    order_by: str
    describe: Callable[[Mapping[str, Any]], Any]
    columns: tuple[str, ...]


_LIFECYCLE_VERBS = {"open": "open", "closed": "close", "archived": "archive", "hidden": "hide", "draft": "unschedule"}


def _lifecycle_change(changed: frozenset[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    if "state" not in changed:
        return None
    if old.get("state") == "hidden":
        return "restore"
    return _LIFECYCLE_VERBS.get(str(new.get("state")))


def _petition_update(changed: frozenset[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    if verb := _lifecycle_change(changed, old, new):
        return verb
    if changed == {"embed_origins"}:
        return "embedding_update"
    return None


def _consultation_update(changed: frozenset[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    if verb := _lifecycle_change(changed, old, new):
        return verb
    if "results_published_at" in changed:
        return "results_publish" if new.get("results_published_at") else "results_withdraw"
    if changed == {"definition"}:
        return "questions_update"
    return None


def _candidate_update(changed: frozenset[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    if "removed_at" in changed:
        return "remove" if new.get("removed_at") else "invite"
    if "link_nonce" in changed:
        return "new_link"
    return None


def _briefing_update(changed: frozenset[str], old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    if "share_nonce" in changed:
        if new.get("share_nonce") is None:
            return "unshare"
        return "share" if old.get("share_nonce") is None else "new_link"
    if changed == {"expires_at"}:
        return "share"
    return None


def _briefing_item(values: Mapping[str, Any]) -> str:
    if values.get("petition_id") is not None:
        return f"petition {values['petition_id']}"
    return f"consultation {values.get('consultation_id')}"


@functools.cache
def audited_models() -> dict[type, Audited]:
    """Every model followed automatically, by class (built on first use: the models import late)."""
    from campaign.accounts.models import Organisation, Organiser
    from campaign.areas.models import Area, AreaPrefix
    from campaign.briefings.models import Briefing, BriefingItem
    from campaign.candidates.models import Candidate
    from campaign.consultations.models import Consultation
    from campaign.outcomes.models import PetitionUpdate
    from campaign.petitions.models import Petition
    from campaign.summaries.models import QuoteChoice

    prefixes = AuditedChildren(AreaPrefix, "area_id", "prefix", lambda row: row["prefix"], ("prefix",))
    items = AuditedChildren(BriefingItem, "briefing_id", "position", _briefing_item, ("petition_id", "consultation_id"))
    return {
        Petition: Audited("petition", skip=frozenset({"signature_count"}), name_update=_petition_update),
        Consultation: Audited("consultation", json_columns=frozenset({"definition"}), name_update=_consultation_update),
        Area: Audited("area", children={"prefixes": prefixes}),
        Organisation: Audited("organisation"),
        Briefing: Audited("briefing", name_update=_briefing_update, children={"items": items}),
        Candidate: Audited("candidate", skip=frozenset({"emails_sent"}), name_update=_candidate_update),
        PetitionUpdate: Audited(
            "petition_update",
            # The worker's progress through the emails, not anything an organiser did.
            skip=frozenset({"email_cursor", "emailed_count", "email_finished_at"}),
        ),
        # A quote is a respondent's words: recorded as changed, not copied, so an erasure is not undone here.
        QuoteChoice: Audited("quote", skip=frozenset({"source_hash", "updated_by_id"}), withheld=frozenset({"text"})),
        Organiser: Audited("organiser", skip=frozenset({"last_login_at"})),
    }


@functools.cache
def audited_children() -> dict[type, tuple[type, str, AuditedChildren]]:
    """Child model -> (parent model, collection name, spec)."""
    found: dict[type, tuple[type, str, AuditedChildren]] = {}
    for parent, spec in audited_models().items():
        for name, children in spec.children.items():
            found[children.model] = (parent, name, children)
    return found


def recordable(value: Any) -> Any:
    """A value as JSON can hold it: times in ISO 8601 (UTC), enums by value, long text cut short."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return recordable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): recordable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [recordable(item) for item in value]
    text = str(value)
    if len(text) > TEXT_LIMIT:
        return f"{text[:TEXT_LIMIT]}… ({len(text):,} characters)"
    return text


WITHHELD = "(not recorded)"


def column_value(name: str, value: Any, spec: Audited | None = None) -> Any:
    """A column's value as recorded: withheld, email addresses masked, everything else made recordable."""
    if spec is not None and name in spec.withheld:
        return None if value is None else WITHHELD
    if name == "email" and isinstance(value, str):
        return mask_email(value)
    return recordable(value)


def parse_json_text(text: Any) -> Any:
    """A JSON text's content (or the text itself when it is not JSON)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _identity(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ("key", "code"):
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _json_changes(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, old, new) for each part of a JSON document that differs.

    Lists of objects with keys (sections, questions, options) are matched by key, so a
    moved or inserted question is one change, not a change to every question after it.
    """
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _json_changes(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
        return
    if isinstance(old, list) and isinstance(new, list):
        old_ids, new_ids = [_identity(i) for i in old], [_identity(i) for i in new]
        ids_usable = None not in old_ids + new_ids and len(set(old_ids)) == len(old_ids)
        if ids_usable and len(set(new_ids)) == len(new_ids):
            old_by_id = dict(zip(old_ids, old, strict=True))
            new_by_id = dict(zip(new_ids, new, strict=True))
            if [i for i in old_ids if i in new_by_id] != [i for i in new_ids if i in old_by_id]:
                yield f"{path} (order)", old_ids, new_ids
            for identity in [*old_ids, *(i for i in new_ids if i not in old_by_id)]:
                yield from _json_changes(old_by_id.get(identity), new_by_id.get(identity), f"{path}[{identity}]")
            return
    yield path or "(whole document)", old, new


def json_document_changes(old_text: Any, new_text: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed parts of two JSON texts, as (before, after) dicts keyed by path."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for path, old, new in _json_changes(parse_json_text(old_text), parse_json_text(new_text), ""):
        before[path], after[path] = recordable(old), recordable(new)
    return before, after
