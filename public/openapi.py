"""The open data's own OpenAPI 3.1 description, served at /public/data/openapi.json.

The public read endpoint needs no token, so its description needs none either:
`/api/v1/schema/` is for signed-in users and tokens (api/, which does not import
this app), and this one follows KPIDASH_PUBLIC_SITE like every public address.
It is built from `opendata.COLUMNS` and `opendata.Filters`, the code that writes
the files, so the description cannot drift from the data. OpenAPI 3.1's schema
objects are JSON Schema, so a test checks real rows against it.
"""

from __future__ import annotations

from django.urls import reverse

from indicators.models import Kind
from indicators.rules import ExpectedRange, Polarity, Rag
from public.opendata import COLUMNS, Filters

_NUMBER = {"type": ["number", "null"]}
_CODES = {  # the words a code column holds ("" when there is none), from the enums that write them
    "kind": [k.value for k in Kind],
    "polarity": [p.value for p in Polarity],
    "month_rag": [r.value for r in Rag],
    "ytd_rag": [r.value for r in Rag],
    "expected_range": [r.value for r in ExpectedRange],
}
_FILTERS = {
    "year": ("A financial year, e.g. 2019/20.", r"^\d{4}/\d{2}$", "2019/20"),
    "period": ("A month, as YYYY-MM.", r"^\d{4}-\d{2}$", "2019-11"),
    "indicator": ("An indicator's reference.", None, "ICT01"),
    "directorate": ("A service's slug, as in its dashboard's address.", None, "strategic-and-corporate-services"),
    "committee": ("A committee's slug, as in its dashboard's address.", None, "policy-and-resources"),
}
_TEXT_ERROR = {"text/plain": {"schema": {"type": "string"}}}


def _column_schema(key: str, kind: str, description: str) -> dict:
    if kind == "number":
        return {**_NUMBER, "description": description}
    schema: dict = {"type": "string", "description": description}
    if kind == "date":
        schema["pattern"] = r"^\d{4}-\d{2}$"
    if key in _CODES:
        schema["enum"] = _CODES[key]
    return schema


def _parameters() -> list[dict]:
    assert set(_FILTERS) == set(Filters.ALLOWED), "every open-data filter is described"
    parameters = []
    for name in Filters.ALLOWED:
        description, pattern, example = _FILTERS[name]
        schema: dict = {"type": "string"} | ({"pattern": pattern} if pattern else {})
        parameters.append(
            {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
            | {"example": example}
        )
    return parameters


def _operation(summary: str, operation_id: str, content: dict) -> dict:
    return {
        "tags": ["public"],
        "summary": summary,
        "operationId": operation_id,
        "security": [],  # no token, no sign-in
        "parameters": _parameters(),
        "responses": {
            "200": {
                "description": "The public figures the filters keep (none for an unpublished one).",
                "content": content,
            },
            "400": {"description": "An unknown parameter or a malformed value, saying which.", "content": _TEXT_ERROR},
            "404": {"description": "The public site is switched off."},
            "429": {
                "description": "Too many requests from this address.",
                "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
                "content": _TEXT_ERROR,
            },
        },
    }


def schema() -> dict:
    """The OpenAPI document. It names no server: OpenAPI then reads the paths on the site that serves it."""
    row = {
        "type": "object",
        "description": "One published indicator's approved figure for one month.",
        "properties": {c.key: _column_schema(c.key, c.type, c.description) for c in COLUMNS},
        "required": [c.key for c in COLUMNS],
        "additionalProperties": False,
    }
    column = {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "type": {"type": "string", "enum": sorted({c.type for c in COLUMNS})},
            "description": {"type": "string"},
        },
        "required": ["key", "type", "description"],
    }
    document = {
        "type": "object",
        "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "columns": {"type": "array", "items": {"$ref": "#/components/schemas/Column"}},
            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Figure"}},
        },
        "required": ["generated_at", "columns", "rows"],
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "kpidash open data",
            "version": "1",
            "description": (
                "Every published, approved performance figure, one row per indicator and month. "
                "No sign-in or token. The CSV has the same columns, in the same order, as the JSON's rows."
            ),
        },
        "tags": [{"name": "public", "description": "The public site's open data: no token."}],
        "security": [],
        "paths": {
            reverse("public:figures_json"): {
                "get": _operation(
                    "Published figures as JSON",
                    "public_figures_json",
                    {"application/json": {"schema": {"$ref": "#/components/schemas/Figures"}}},
                )
            },
            reverse("public:figures_csv"): {
                "get": _operation(
                    "Published figures as CSV",
                    "public_figures_csv",
                    {
                        "text/csv": {
                            "schema": {
                                "type": "string",
                                "description": "A header row of the columns, then one row per figure.",
                            }
                        }
                    },
                )
            },
        },
        "components": {"schemas": {"Figures": document, "Figure": row, "Column": column}},
    }
