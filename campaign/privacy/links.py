"""The links people use to manage their own data: each with its own token purpose, bound to the row's nonce.

These links never expire: withdrawing, deleting or unsubscribing must work however old the email is.
The nonce makes a link stop working when its row is gone or anonymised (a new row reusing the id has
another nonce), and the token's signature proves the link was ours, so such a link can honestly say
"already done" rather than "invalid".
"""

from __future__ import annotations

from campaign.i18n import N_
from campaign.i18n import gettext as _
from campaign.tokens import TokenInvalid, TokenPurpose, make_token, read_token_ignoring_age
from campaign.urls import absolute_url

_INCOMPLETE = N_("The link is incomplete or has been changed. Copy the whole link from your email.")


def _token(purpose: TokenPurpose, row_id: int, nonce: str) -> str:
    return make_token(purpose, {"i": row_id, "n": nonce})


def withdraw_url(signature_id: int, nonce: str) -> str:
    return absolute_url("privacy.withdraw", token=_token(TokenPurpose.WITHDRAW_SIGNATURE, signature_id, nonce))


def delete_response_url(response_id: int, nonce: str) -> str:
    return absolute_url("privacy.delete_response", token=_token(TokenPurpose.DELETE_RESPONSE, response_id, nonce))


def unsubscribe_url(signature_id: int, nonce: str) -> str:
    return absolute_url("privacy.unsubscribe", token=_token(TokenPurpose.UNSUBSCRIBE, signature_id, nonce))


def read_link(purpose: TokenPurpose, token: str) -> tuple[int, str]:
    """(row id, nonce) of a genuine link made for ``purpose``; raises TokenInvalid otherwise."""
    if not token or len(token) > 512:
        raise TokenInvalid(_(_INCOMPLETE))
    payload = read_token_ignoring_age(purpose, token)
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int) or not isinstance(payload.get("n"), str):
        raise TokenInvalid(_(_INCOMPLETE))
    return payload["i"], payload["n"]
