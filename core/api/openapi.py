"""The OpenAPI document of /api/v1, generated from the code.

Each view function declares its operation with ``@operation(...)`` next to it
(summary, permission, parameters, body and responses); the document is built
from the application's route table and those declarations, so a route and its
description cannot drift apart. The same declarations check the query string
and the JSON body before a view runs (``parse_query``, ``check_body``), so what
the document promises is what the API enforces.

``undocumented(app)`` lists /api/v1 routes without a declaration; the tests
fail on any.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from core.errors import ValidationError

PREFIX = "/api/v1"
OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
MAX_ID = 2**31 - 1
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(9000, 12, 31)

# Named schemas shared by operations (#/components/schemas/NAME), declared by
# the views with ``component()``.
COMPONENTS: dict[str, dict] = {}

DESCRIPTION = """\
The JSON API of anqi (安企) for other systems: the 12345 hotline's referrals,
the enterprise portal, a city's data platform.

**Authentication.** Every call except this document needs a bearer token:
`Authorization: Bearer anqi_…`. An administrator issues one for a **system
account** (never for a person) with `anqi api-token USER` (or on the API tokens
page) and can list and revoke it. The account starts with no access: a leader
of its unit grants it the desk or officer role, and separately the right to
read phone and ID numbers in full (`reveal=true`). A token sees and may do
exactly what those grants allow, in the account's units.

**Errors** are JSON: `{"error": {"code": "...", "message": "...", "fields": {...}}}`,
with the message in the caller's language (`Accept-Language: en` for English;
Chinese otherwise). 401: no token, or a wrong or revoked one. 403: the token's
user lacks the permission. 404: no such record, or one outside the user's
units' area (the two look the same). 400: a malformed request or query
parameter. 422: a body that breaks a rule, with the problems by field.

**Lists** are paged by keyset: pass the `next_cursor` of one page as `cursor`
to get the next. There is no total count.

**Times** are ISO 8601 with the China offset (`+08:00`).
"""


def component(name: str, schema: dict) -> dict:
    """Declare a named schema; returns a reference to it."""
    COMPONENTS[name] = schema
    return ref(name)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def resolve(schema: dict) -> dict:
    """A schema itself, when it is a reference to a component."""
    target = schema.get("$ref", "")
    return COMPONENTS[target.rsplit("/", 1)[-1]] if target.startswith("#/components/schemas/") else schema


ERROR = component("Error", {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "Stable, for programs: unauthorized, forbidden, "
                                                      "not_found, method_not_allowed, bad_request, "
                                                      "invalid_parameter, validation_failed, "
                                                      "payload_too_large, internal_error."},
            "message": {"type": "string", "description": "For people, in the caller's language."},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                       "description": "The problems by field (query parameter or body property)."},
        },
    }},
})

ERROR_DESCRIPTIONS = {
    "400": "Malformed request or query parameter.",
    "401": "No token, or a wrong or revoked one.",
    "403": "The token's user lacks the permission.",
    "404": "No such record, or one outside the user's units' area.",
    "413": "The body is too large.",
    "422": "The body breaks a rule; the problems are listed by field.",
}


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict
    description: str = ""
    location: str = "query"  # query or header
    required: bool = False

    def to_openapi(self) -> dict:
        spec = {"name": self.name, "in": self.location, "required": self.required, "schema": self.schema}
        if self.description:
            spec["description"] = self.description
        return spec


@dataclass(frozen=True)
class Operation:
    summary: str
    tags: tuple = ()
    description: str = ""
    permission: str | None = None
    public: bool = False                 # no token needed
    params: tuple = ()                   # Param, in the query string or headers
    body: dict | None = None             # the JSON body's schema (an object)
    responses: dict = field(default_factory=dict)  # status → (description, schema or None)

    def to_openapi(self, method: str, endpoint: str, path_params: list[dict]) -> dict:
        spec = {"operationId": endpoint.replace(".", "_"), "summary": self.summary}
        if self.tags:
            spec["tags"] = list(self.tags)
        description = self.description
        if self.permission:
            description = (description + "\n\n" if description else "") + f"Permission: `{self.permission}`."
            spec["x-permission"] = self.permission
        if description:
            spec["description"] = description
        parameters = path_params + [p.to_openapi() for p in self.params]
        if parameters:
            spec["parameters"] = parameters
        if self.body is not None:
            spec["requestBody"] = {"required": True,
                                   "content": {"application/json": {"schema": self.body}}}
        responses = {}
        for status, (text, schema) in self.responses.items():
            responses[str(status)] = {"description": text}
            if schema is not None:
                responses[str(status)]["content"] = {"application/json": {"schema": schema}}
        errors = []
        if self.params or self.body is not None:
            errors.append("400")
        if not self.public:
            errors.append("401")
        if self.permission:
            errors.append("403")
        if path_params:
            errors.append("404")
        if self.body is not None:
            errors += ["413", "422"]
        for status in errors:
            responses.setdefault(status, {"description": ERROR_DESCRIPTIONS[status],
                                          "content": {"application/json": {"schema": ERROR}}})
        spec["responses"] = dict(sorted(responses.items()))
        spec["security"] = [] if self.public else [{"bearerAuth": []}]
        return spec


def operation(summary: str, **kwargs):
    """Declare a view's OpenAPI operation (see ``Operation``)."""
    kwargs["params"] = tuple(kwargs.get("params", ()))
    kwargs["tags"] = tuple(kwargs.get("tags", ()))
    declared = Operation(summary=summary, **kwargs)

    def decorator(view):
        view.api_operation = declared
        return view

    return decorator


def operation_of(view) -> Operation | None:
    return getattr(view, "api_operation", None)


# --- the document ----------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _path(rule) -> tuple[str, list[dict]]:
    """The OpenAPI path of a Werkzeug rule, and its path parameters."""
    params = []

    def replace(match):
        converter, name = match.group("converter") or "default", match.group("name")
        if converter == "int":
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _ARGUMENT.sub(replace, rule.rule), params


def _api_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX + "/")), key=lambda r: r.rule)


def undocumented(app) -> list[str]:
    """/api/v1 routes whose view declares no operation."""
    return [f"{sorted(rule.methods - IGNORED_METHODS)} {rule.rule} ({rule.endpoint})" for rule in _api_rules(app)
            if operation_of(app.view_functions[rule.endpoint]) is None]


def document(app) -> dict:
    paths: dict[str, dict] = {}
    for rule in _api_rules(app):
        declared = operation_of(app.view_functions[rule.endpoint])
        if declared is None:
            continue  # undocumented() names it, and the tests fail
        path, path_params = _path(rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            paths.setdefault(path, {})[method.lower()] = declared.to_openapi(method, rule.endpoint, path_params)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "anqi (安企) API", "version": API_VERSION, "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(COMPONENTS.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token: anqi_ and 43 characters."}},
        },
        "security": [{"bearerAuth": []}],
    }


# --- checking requests against the declarations ------------------------------------

class QueryError(ValidationError):
    """A query parameter that breaks its declaration (answered with 400)."""


class BodyError(ValidationError):
    """A JSON body that breaks its declaration (answered with 422, or 400 when
    it is not a JSON object at all)."""

    def __init__(self, message, field=None, errors=None, malformed=False):
        super().__init__(message, field=field, errors=errors)
        self.malformed = malformed


def _bad_text(value: str) -> bool:
    """Control characters (NUL among them, which PostgreSQL refuses) or lone surrogates."""
    return any((ord(ch) < 32 and ch not in "\n\t\r") or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF
               for ch in value)


def _check_value(value, schema: dict, raw: bool):
    """The value converted and checked against ``schema``; raises ValueError with
    a message. ``raw``: the value is query-string or header text (integers are
    parsed, control characters and values outside an enum refused). A body's
    text is left to the services, which clean it and name what is wrong."""
    kind = schema.get("type")
    if kind == "integer":
        if raw:
            if not (isinstance(value, str) and value.isascii() and re.fullmatch(r"-?\d{1,12}", value)):
                raise ValueError(_l("Expected a whole number."))
            value = int(value)
        elif isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_l("Expected a whole number."))
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(_l("Expected a number from %(low)d to %(high)d.", low=low if low is not None else 0,
                                high=high if high is not None else MAX_ID))
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError(_l("Expected text."))
        if raw and _bad_text(value):
            raise ValueError(_l("The text contains control characters."))
        if raw and "enum" in schema and value not in schema["enum"]:
            raise ValueError(_l("Use one of: %(values)s.", values=", ".join(schema["enum"])))
        limit = schema.get("maxLength")
        if limit is not None and len(value) > limit:
            raise ValueError(_l("Keep this under %(n)d characters.", n=limit))
        if schema.get("format") == "date":
            try:
                day = date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
            except ValueError:
                day = None
            if day is None or not EARLIEST_DATE <= day <= LATEST_DATE:
                raise ValueError(_l("Expected a date such as 2026-03-02."))
            return day
        return value
    return value


def parse_query(declared: Operation, args, headers=None) -> dict:
    """The declared query (and header) parameters, converted; QueryError by field."""
    values, errors = {}, {}
    for param in declared.params:
        source = args if param.location == "query" else (headers or {})
        raw = source.get(param.name)
        if raw is None or raw == "":
            if "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        try:
            values[param.name] = _check_value(raw, param.schema, raw=True)
        except ValueError as exc:
            errors[param.name] = [exc.args[0]]
    if errors:
        raise QueryError(next(iter(errors.values()))[0], errors=errors)
    return values


def check_body(declared: Operation, data) -> dict:
    """The body's declared properties, type-checked (null counts as absent); the
    rules beyond types are the services'. BodyError by field."""
    if not isinstance(data, dict):
        raise BodyError(_l("Send a JSON object."), malformed=True)
    values, errors = {}, {}
    for name, schema in resolve(declared.body).get("properties", {}).items():
        value = data.get(name)
        if value is None:
            continue
        try:
            values[name] = _check_value(value, schema, raw=False)
        except ValueError as exc:
            errors[name] = [exc.args[0]]
    if errors:
        raise BodyError(next(iter(errors.values()))[0], errors=errors)
    return values
