"""The OpenAPI 3.0 description of the regulators' API, served at /api/v1/openapi.json.

Written by hand next to the views it describes: the schemathesis test generates requests from
it and fails when a response does not match it, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from blueprints.forms import QUERY_INT_MAX
from models import SubmissionStatus
from services.submissions.lifecycle import NOTE_MAX, OUTCOMES

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "A filter that does not parse or names nothing in your inbox (field names it)",
        401: "Missing, unknown or revoked token",
        404: "No such case submitted to your authority",
        409: "The case is closed",
        422: "The request could not be accepted (the message says why)",
    }
    return {str(code): _json(ERROR, texts[code]) for code in codes}


CASE_ID = {
    "name": "case_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[a-z2-9]{12}$"},
    "description": "The case's public id",
}

STATUSES = [s.value for s in SubmissionStatus]

_MEMBER_ROW = {"member": {"type": "string"}, "currency": {"type": "string"}}
_AT = {"type": "string", "format": "date-time", "nullable": True}

SCHEMAS: dict[str, Any] = {
    "Outcomes": {
        "type": "object",
        "required": ["case", "status", "answer", "offers", "outcomes", "disputes", "deadlines"],
        "properties": {
            "format": {"type": "string"},
            "case": {"type": "string"},
            "bundle_sha256": {"type": "string", "nullable": True},
            "authority": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
            "generated_at": {"type": "string", "format": "date-time"},
            "answer": {
                "type": "object",
                "nullable": True,
                "required": ["posted_at", "text"],
                "properties": {"posted_at": _AT, "text": {"type": "string"}},
            },
            "offers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["member", "amount_minor", "currency", "status"],
                    "properties": {
                        **_MEMBER_ROW,
                        "amount_minor": {"type": "integer"},
                        "status": {"type": "string", "enum": ["pending", "accepted", "declined"]},
                        "made_at": _AT,
                        "decided_at": _AT,
                    },
                },
            },
            "outcomes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["member", "state", "refunded_minor", "currency", "rating"],
                    "properties": {
                        **_MEMBER_ROW,
                        "state": {
                            "type": "string",
                            "enum": ["nothing_yet", "partly_refunded", "fully_refunded", "refused"],
                        },
                        "refunded_minor": {"type": "integer"},
                        "rating": {
                            "type": "string",
                            "nullable": True,
                            "enum": ["satisfied", "partly", "not_satisfied", None],
                        },
                        "updated_at": _AT,
                    },
                },
            },
            "disputes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["member", "at", "reason"],
                    "properties": {
                        "member": {"type": "string"},
                        "at": _AT,
                        "reason": {"type": "string", "nullable": True},
                    },
                },
            },
            "deadlines": {
                "type": "array",
                "description": "each deadline of the authority's rules, kept or not",
                "items": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Clock"},
                        {
                            "type": "object",
                            "required": ["extensions"],
                            "properties": {
                                "extensions": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/ClockExtension"},
                                }
                            },
                        },
                    ]
                },
            },
        },
    },
    "ClockExtension": {
        "type": "object",
        "description": "An extension the authority recorded, with the reason it gave",
        "required": ["recorded_at", "previous_due_at", "due_at", "period", "reason"],
        "properties": {
            "recorded_at": {"type": "string", "format": "date-time"},
            "previous_due_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time"},
            "period": {"type": "integer", "minimum": 1, "description": "the whole period after it"},
            "reason": {"type": "string"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "field": {"type": "string", "nullable": True},
            "errors": {
                "type": "object",
                "description": "Every refused parameter with its messages (400 only)",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    "Named": {
        "type": "object",
        "required": ["code", "name_en", "name_zh"],
        "properties": {
            "code": {"type": "string"},
            "name_en": {"type": "string"},
            "name_zh": {"type": "string"},
        },
    },
    "Bundle": {
        "type": "object",
        "required": ["available"],
        "properties": {
            "available": {"type": "boolean"},
            "sha256": {"type": "string", "nullable": True},
            "size": {"type": "integer", "nullable": True},
            "url": {"type": "string"},
            "encrypted": {
                "type": "boolean",
                "description": "The stored bundle is CMS EnvelopedData (.p7m) around the zip",
            },
            "certificate_sha256": {
                "type": "string",
                "nullable": True,
                "description": "SHA-256 fingerprint (hex) of the certificate it is encrypted to",
            },
        },
    },
    "CaseSummary": {
        "type": "object",
        "required": ["id", "title", "company", "category", "status", "submitted_at", "members"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "title_other": {
                "type": "string",
                "nullable": True,
                "description": "The title in the other language of the interface, given by "
                "the organizers (English for a Chinese title, Chinese for an English one).",
            },
            "company": {"$ref": "#/components/schemas/Named"},
            "category": {"$ref": "#/components/schemas/Named"},
            "status": {"type": "string", "enum": STATUSES},
            "outcome": {"type": "string", "nullable": True},
            "status_note": {"type": "string"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "status_updated_at": {"type": "string", "format": "date-time"},
            "members": {"type": "integer", "minimum": 0},
            "signatures": {"type": "integer", "minimum": 0},
            "bundle": {"$ref": "#/components/schemas/Bundle"},
            "clocks": {"type": "array", "items": {"$ref": "#/components/schemas/Clock"}},
            "next_due": {
                "allOf": [{"$ref": "#/components/schemas/Clock"}],
                "nullable": True,
                "description": "the running deadline that ends first",
            },
            "overdue": {"type": "boolean", "description": "a running deadline has passed"},
        },
    },
    "Clock": {
        "type": "object",
        "description": "A deadline under the authority's rule set (docs/deadlines.md)",
        "required": ["kind", "rule_set", "unit", "period", "state", "overdue"],
        "properties": {
            "kind": {"type": "string", "enum": ["acknowledge", "answer", "close"]},
            "rule_set": {"type": "string"},
            "unit": {
                "type": "string",
                "enum": ["calendar_days", "working_days", "business_days", "hours"],
            },
            "period": {"type": "integer", "minimum": 1},
            "extended": {"type": "boolean"},
            "extendable_to": {"type": "integer", "nullable": True},
            "started_at": {"type": "string", "format": "date-time", "nullable": True},
            "due_at": {
                "type": "string",
                "format": "date-time",
                "nullable": True,
                "description": "the first instant that is late, UTC with its offset",
            },
            "due_date": {
                "type": "string",
                "format": "date",
                "nullable": True,
                "description": "the last day, in the authority's time zone",
            },
            "time_zone": {"type": "string"},
            "stopped_at": {"type": "string", "format": "date-time", "nullable": True},
            "days_left": {"type": "integer", "nullable": True},
            "state": {
                "type": "string",
                "enum": ["waiting", "running", "overdue", "met", "missed"],
            },
            "overdue": {"type": "boolean"},
        },
    },
    "CaseList": {
        "type": "object",
        "required": ["cases", "page", "pages", "total"],
        "properties": {
            "cases": {"type": "array", "items": {"$ref": "#/components/schemas/CaseSummary"}},
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        },
    },
    "CaseDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/CaseSummary"},
            {
                "type": "object",
                "required": ["version", "figures", "evidence", "timeline"],
                "properties": {
                    "summary": {"type": "string"},
                    "version": {"type": "object"},
                    "figures": {"type": "object"},
                    "evidence": {"type": "array", "items": {"type": "object"}},
                    "timeline": {"type": "array", "items": {"type": "object"}},
                },
            },
        ]
    },
    "StatusUpdate": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string", "enum": STATUSES[1:]},
            "note": {"type": "string", "maxLength": NOTE_MAX},
            "outcome": {"type": "string", "enum": list(OUTCOMES)},
        },
    },
}


def openapi_document() -> dict[str, Any]:
    list_parameters = [
        {
            "name": "company",
            "in": "query",
            "schema": {"type": "string"},
            "description": "A company of a case in your inbox, by its code (or id)",
        },
        {
            "name": "category",
            "in": "query",
            "schema": {"type": "string"},
            "description": "A category of a case in your inbox, by its code (or id)",
        },
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": STATUSES}},
        {
            "name": "from",
            "in": "query",
            "schema": {"type": "string", "format": "date"},
            "description": "Submitted on or after this day (2000-01-01 to 2999-12-31)",
        },
        {
            "name": "to",
            "in": "query",
            "schema": {"type": "string", "format": "date"},
            "description": "Submitted on or before this day, not before `from`",
        },
        {
            "name": "min_members",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": QUERY_INT_MAX},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": ["newest", "oldest", "size", "due"]},
            "description": "`due`: the nearest running deadline first",
        },
        {
            "name": "deadline",
            "in": "query",
            "schema": {"type": "string", "enum": ["overdue", "due_soon", "missed"]},
            "description": "overdue now, due within three days, or a deadline missed",
        },
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": QUERY_INT_MAX},
        },
    ]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Chorus regulators' API",
            "version": "1",
            "description": (
                "Cases submitted to the token holder's authority, their bundles, and status "
                "reports. Authenticate with `Authorization: Bearer <token>`; regulators create "
                "and revoke tokens on their account page."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/cases": {
                "get": {
                    "summary": "Cases submitted to your authority",
                    "parameters": list_parameters,
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/CaseList"}, "One page"),
                        **_errors(400, 401),
                    },
                }
            },
            "/cases/{case_id}": {
                "get": {
                    "summary": "One submitted case",
                    "parameters": [CASE_ID],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/CaseDetail"}, "The case"),
                        **_errors(401, 404),
                    },
                }
            },
            "/cases/{case_id}/bundle": {
                "get": {
                    "summary": (
                        "The case bundle (BagIt zip, or CMS EnvelopedData around it when the "
                        "authority registered a certificate); supports Range requests"
                    ),
                    "parameters": [CASE_ID],
                    "responses": {
                        "200": {
                            "description": "The bundle",
                            "content": {
                                "application/zip": {
                                    "schema": {"type": "string", "format": "binary"}
                                },
                                "application/pkcs7-mime": {
                                    "schema": {"type": "string", "format": "binary"}
                                },
                            },
                        },
                        "202": _json(ERROR, "Being prepared: ask again after Retry-After"),
                        **_errors(401, 404),
                    },
                }
            },
            "/cases/{case_id}/outcomes": {
                "get": {
                    "summary": (
                        "After submission: the company's answer, its private offers, the "
                        "outcome each member recorded and their disputes (pseudonyms only)"
                    ),
                    "parameters": [CASE_ID],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Outcomes"}, "Outcomes"),
                        **_errors(401, 404),
                    },
                }
            },
            "/cases/{case_id}/status": {
                "post": {
                    "summary": "Record your authority's next step; members are notified",
                    "parameters": [CASE_ID],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StatusUpdate"}
                            }
                        },
                    },
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/CaseSummary"}, "Recorded"),
                        **_errors(401, 404, 409, 422),
                    },
                }
            },
        },
    }
