"""The API described as OpenAPI 3.1: served at /api/v1/openapi.json and rendered at /api. A test checks
every route is described and every response the API gives matches its schema, field for field."""

from __future__ import annotations

from typing import Any

from flask import current_app

from campaign.urls import absolute_url

STATES = ["open", "closed", "archived"]
QUESTION_TYPES = [
    "single_choice",
    "multiple_choice",
    "yes_no",
    "likert",
    "matrix",
    "ranking",
    "short_text",
    "long_text",
    "number",
    "postcode",
]


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Any], *, required: list[str] | None = None, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "unevaluatedProperties": False,
        "required": required if required is not None else list(properties),
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


TIME = _nullable("string", format="date-time")
COUNT = {"type": "integer", "minimum": 0}
HIDDEN_COUNT = _nullable(
    "integer",
    minimum=0,
    description="null when hidden: from 1 to 4 people, or withheld so that a total cannot give such a figure back",
)
NOTE = {"type": "string", "enum": ["fewer than 5", "withheld"], "description": "why a count is null"}
SHARE = _nullable("number", minimum=0, description="the share of the people who answered, 0 to 1; null when hidden")


def _counted(fields: dict[str, Any]) -> dict[str, Any]:
    return _object(
        {**fields, "people": HIDDEN_COUNT, "note": NOTE, "share": SHARE}, required=[*fields, "people", "share"]
    )


# fmt: off
PETITION: dict[str, Any] = {
    "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
        "url": {"type": "string", "format": "uri"}, "state": {"type": "string", "enum": STATES},
        "signature_count": {**COUNT, "description": "confirmed signatures (refreshed every few seconds)"},
        "target": COUNT, "target_reached": {"type": "boolean"}, "opened_at": TIME, "closes_at": TIME,
        "closed_at": TIME,
    }

CONSULTATION: dict[str, Any] = {
    "slug": {"type": "string"}, "title": {"type": "string"}, "summary": {"type": "string"},
    "url": {"type": "string", "format": "uri"}, "state": {"type": "string", "enum": STATES},
    "version": {"type": "integer", "minimum": 1}, "questions": COUNT, "opened_at": TIME, "closes_at": TIME,
    "closed_at": TIME, "results_published": {"type": "boolean"},
    "results_url": _nullable("string", format="uri"),
}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": _object({"status": {"type": "integer"}, "title": {"type": "string"},
                                        "message": {"type": "string"}})}),
    "PetitionSummary": _object(PETITION),
    "PetitionCount": _object({"slug": {"type": "string"}, "signature_count": COUNT, "target": COUNT,
                              "state": {"type": "string", "enum": STATES}}),
    "AreaCount": _counted({"area": {"type": "string"}}),
    "Candidate": _object({
        "name": {"type": "string"}, "affiliation": {"type": "string"},
        "position": {"type": "string", "enum": ["supports", "opposes", "undecided"]},
        "statement": {"type": "string"}, "pledge": _nullable("string"), "version": {"type": "integer", "minimum": 1},
        "edited": {"type": "boolean"}, "published_at": TIME, "first_published_at": TIME,
    }),
    "PetitionDetail": _object({**PETITION,
        "organisation": {"type": "string"}, "body_html": {"type": "string", "description": "sanitised HTML"},
        "areas": _object({"suppressed_below": {"type": "integer"}, "defined": {"type": "boolean"},
                          "counts": {"type": "array", "items": _ref("AreaCount")}},
                         description="confirmed signatures by the organisers' areas (postcode districts if none)"),
        "candidates": {"type": "array", "items": _ref("Candidate")},
        "candidates_not_responded": {"type": "array", "items": _object({"name": {"type": "string"},
                                                                        "affiliation": {"type": "string"}})},
        "updates": {"type": "array", "items": _object({"title": {"type": "string"}, "body_html": {"type": "string"},
                                                       "published_at": TIME, "edited_at": TIME})},
    }),
    "ConsultationSummary": _object(CONSULTATION),
    "QuestionResult": _object({
        "key": {"type": "string"}, "label": {"type": "string"}, "type": {"type": "string", "enum": QUESTION_TYPES},
        "asked": HIDDEN_COUNT, "answered": HIDDEN_COUNT, "note": {"type": "string"},
        "answers": {"type": "array", "items": _counted({"code": {"type": "string"}, "label": {"type": "string"}})},
        "average": _nullable("number"), "median": _nullable("number"), "places": COUNT,
        "statements": {"type": "array", "items": _object({
            "code": {"type": "string"}, "label": {"type": "string"}, "answered": HIDDEN_COUNT,
            "average": _nullable("number"), "note": {"type": "string"},
            "points": {"type": "array", "items": _counted({"point": {"type": "integer"}, "label": {"type": "string"}})},
        }, required=["code", "label", "answered"])},
        "options": {"type": "array", "items": _object({
            "code": {"type": "string"}, "label": {"type": "string"}, "score": _nullable("number"),
            "ranked_first": HIDDEN_COUNT, "ranked": HIDDEN_COUNT})},
        "ranges": {"type": "array", "items": _counted({"from": _nullable("number"), "below": _nullable("number")})},
        "themes": {"type": "array", "items": _object({"label": {"type": "string"}, "answers": COUNT})},
    }, required=["key", "label", "type", "asked", "answered"]),
    "Results": _object({
        "published_at": TIME, "responses": HIDDEN_COUNT, "suppressed_below": {"type": "integer"},
        "areas": {"type": "array", "items": _ref("AreaCount")},
        "questions": {"type": "array", "items": _ref("QuestionResult")},
    }, description="aggregates only; any figure from fewer than 5 people is null"),
    "ConsultationDetail": _object({**CONSULTATION,
        "intro_html": {"type": "string"}, "organisation": {"type": "string"},
        "petition": _nullable("string", format="uri", description="the linked petition in this API"),
        "results": {"oneOf": [_ref("Results"), {"type": "null"}]},
    }),
}
# fmt: on


def _page(item: str, key: str) -> dict[str, Any]:
    return _object(
        {
            key: {"type": "array", "items": _ref(item)},
            "state": {"type": "string"},
            "page": COUNT,
            "per_page": COUNT,
            "total": COUNT,
            "pages": COUNT,
            "next": _nullable("string", format="uri"),
            "previous": _nullable("string", format="uri"),
        }
    )


SCHEMAS["PetitionList"] = _page("PetitionSummary", "petitions")
SCHEMAS["ConsultationList"] = _page("ConsultationSummary", "consultations")

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$", "maxLength": 80},
}
LISTING = [
    {"name": "state", "in": "query", "schema": {"type": "string", "enum": [*STATES, "all"], "default": "open"}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
]
CACHE_HEADERS = {
    "ETag": {"schema": {"type": "string"}, "description": "send it back as If-None-Match to get 304 if unchanged"},
    "Cache-Control": {
        "schema": {"type": "string"},
        "description": "public, max-age of half the count refresh interval, stale-while-revalidate, stale-if-error",
    },
}
ERROR = {"content": {"application/json": {"schema": _ref("Error")}}}


def _get(
    summary: str, description: str, schema: str, parameters: list[dict[str, Any]], errors: tuple[int, ...]
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "headers": CACHE_HEADERS,
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "304": {"description": "Not modified: the If-None-Match ETag is still current", "headers": CACHE_HEADERS},
        "429": {"description": "Too many requests from this address; try again shortly", **ERROR},
    }
    for status in errors:
        responses[str(status)] = {
            "description": {400: "Bad parameter", 404: "Not found", 410: "Taken down"}[status],
            **ERROR,
        }
    operation: dict[str, Any] = {"summary": summary, "description": description, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


# fmt: off
PATHS: dict[str, Any] = {
    "/petitions": _get("List petitions", "Public petitions, most recently opened first.", "PetitionList",
                       LISTING, (400,)),
    "/petitions/{slug}": _get("A petition", "Everything public about a petition: text, count, dates, signatures "
                              "by area (small numbers hidden), candidates' responses and the organisers' updates.",
                              "PetitionDetail", [SLUG], (404, 410)),
    "/petitions/{slug}/count": _get("A petition's count", "The smallest, fastest answer: for live counters.",
                                    "PetitionCount", [SLUG], (404, 410)),
    "/consultations": _get("List consultations", "Public consultations, most recently opened first.",
                           "ConsultationList", LISTING, (400,)),
    "/consultations/{slug}": _get("A consultation", "A consultation and, once its organisers publish them, its "
                                  "results: every question's figures with any from fewer than 5 people hidden.",
                                  "ConsultationDetail", [SLUG], (404,)),
}
# fmt: on


def document() -> dict[str, Any]:
    site = current_app.config["SITE_NAME"]
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": f"{site} public API",
            "version": "1.0.0",
            "description": "Read-only public data about petitions and consultations. No key, no cookies: any "
            "site may call it from the browser (Access-Control-Allow-Origin: *). Responses carry "
            "an ETag and may be cached; errors are JSON with a stable shape. Requests are rate "
            "limited per address.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": absolute_url("api.petitions").rsplit("/petitions", 1)[0]}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
