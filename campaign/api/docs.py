"""The API's documentation page: the OpenAPI document, read aloud."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from campaign.api.openapi import document
from campaign.security import public

bp = Blueprint("api_docs", __name__)


def _resolve(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    return schema


def _type(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if "oneOf" in schema:
        return " or ".join(_type(option, schemas) for option in schema["oneOf"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {_type(schema.get('items', {}), schemas)}"
    if isinstance(kind, list):
        return " or ".join(kind)
    return str(kind) + (f" ({', '.join(schema['enum'])})" if "enum" in schema else "")


def fields(name: str, schemas: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(field, type, description) of a schema, following allOf."""
    schema = _resolve(schemas[name], schemas)
    parts = [_resolve(part, schemas) for part in schema.get("allOf", [schema])]
    found = []
    for part in parts:
        for field, spec in part.get("properties", {}).items():
            found.append((field, _type(spec, schemas), spec.get("description", "")))
    return found


@bp.route("/api")
@public
def docs() -> str:
    spec = document()
    schemas = spec["components"]["schemas"]
    operations = []
    for path, item in spec["paths"].items():
        operation = item["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        operations.append({"path": path, "operation": operation, "schema": schema})
    shown = ["PetitionSummary", "PetitionDetail", "PetitionCount", "AreaCount", "Candidate", "ConsultationSummary",
             "ConsultationDetail", "Results", "QuestionResult", "Error"]  # fmt: skip
    return render_template("api/docs.html", spec=spec, operations=operations, server=spec["servers"][0]["url"],
                           schemas=[(name, fields(name, schemas)) for name in shown])  # fmt: skip
