"""Shared marshmallow building blocks: Swedish error messages, safe text, pagination, problems.

The same schemas validate requests and generate the OpenAPI document (flask-smorest), so a
field's rules are written once. Error messages are Swedish msgids marked with ``N_`` for
extraction: marshmallow formats them itself (``{min}``, ``{choices}``), which a lazy string
would not survive, and the API answers in Swedish.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from vendor_registry.providers.models import format_org_number
from vendor_registry.text import refused_in


def N_(message: str) -> str:
    return message


COMMON_MESSAGES = _COMMON = {
    "required": N_("Uppgiften är obligatorisk."),
    "null": N_("Uppgiften får inte vara null."),
    "validator_failed": N_("Ogiltigt värde."),
}
CONTROL_CHARACTERS = N_("Texten innehåller otillåtna kontrolltecken.")
#: The rule of ``text.py`` (no C0 control but tab and line breaks, no DEL or C1 control, no XML
#: noncharacter) written as a JSON Schema pattern (ECMA and Python read these escapes alike), so
#: the document states what the check enforces; a test keeps the two equal. Lone surrogates,
#: which the check refuses too, are left out of the pattern: they are not Unicode text at all
#: (I-JSON, RFC 7493, forbids them), and a surrogate range in a pattern made the generators of
#: schemathesis ignore the whole pattern.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]*$"
#: An organisation number as the API takes it: 10 digits, optionally NNNNNN-NNNN. The check
#: digit (Luhn) is a rule a pattern cannot state; see ``rule``.
ORG_NUMBER_PATTERN = r"^[0-9]{6}-?[0-9]{4}$"
#: Integers are 64-bit (PostgreSQL bigint); ids and versions are bounded lower (``MAX_ID``).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: The OpenAPI extension that marks a field with a rule JSON Schema cannot express (a check
#: digit, today's date, another field, a record that must exist). A request that keeps to the
#: document can still be refused with 422 for such a rule, and the problem names the field.
RULE_EXTENSION = "x-rule"


def rule(description: str, **metadata: Any) -> dict[str, Any]:
    """Field metadata for a rule beyond JSON Schema: described in words, marked ``x-rule``."""
    return {"description": description, RULE_EXTENSION: True, **metadata}


class Pattern(validate.Regexp):
    """A JSON Schema ``pattern`` (documented by apispec) that must match the whole value: the
    text is refused where the document says it does not match, never accepted on a prefix."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


class Str(fields.String):
    """API text: no control characters (the rule and its documented ``pattern`` are one)."""

    default_error_messages: ClassVar[dict[str, str]] = {**_COMMON, "invalid": N_("Ange en text."), "invalid_utf8": N_("Ogiltig teckenkodning.")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # A field with its own pattern keeps it (that pattern then excludes control characters).
        if not any(isinstance(v, validate.Regexp) for v in self.validators):
            self.metadata = {"pattern": TEXT_PATTERN, **self.metadata}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if refused_in(text, multiline=True):  # the rule of text.py; ApiSchema applies it to every field
            raise ma.ValidationError(CONTROL_CHARACTERS)
        return text


class Text(fields.String):
    """Output only: text that may come from outside (a source's answer, an error message), so
    the document promises no pattern for it."""


class Email(Str, fields.Email):
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": N_("Ange en giltig e-postadress.")}


def org_number_field(**kwargs: Any) -> Str:
    """An organisation number in a request: the pattern, then the check digit (in the service)."""
    metadata = rule("Organisationsnummer, 10 siffror med eller utan bindestreck (NNNNNN-NNNN); "
                    "kontrollsiffran ska stämma.", example="556016-0680")
    return Str(validate=Pattern(ORG_NUMBER_PATTERN, error=N_("Ange organisationsnumret som NNNNNN-NNNN.")),
               metadata={**metadata, **kwargs.pop("metadata", {})}, **kwargs)


class Int(fields.Integer):
    """A JSON integer (``strict``: no strings, no 1.0, no true/false). Without an explicit range
    it is bounded to 64 bits, and the bounds are documented."""

    default_error_messages: ClassVar[dict[str, str]] = {**_COMMON, "invalid": N_("Ange ett heltal."), "too_large": N_("Talet är för stort.")}

    def __init__(self, *, strict: bool = True, **kwargs: Any):
        super().__init__(strict=strict, **kwargs)
        if not any(isinstance(v, validate.Range) for v in self.validators):
            self.validators.append(int_range(INT64_MIN, INT64_MAX))

    def _validated(self, value: Any) -> int:
        if isinstance(value, float):  # JSON 1.0 or 1e3: not an integer as the document types it
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


_QUERY_INT = re.compile(r"-?[0-9]{1,30}")


class QueryInt(Int):
    """An integer in a query string: ASCII digits only (Python's ``int`` would also take
    ``1_000``, `` 5`` or other scripts' digits, which the document's ``integer`` does not)."""

    def __init__(self, **kwargs: Any):
        super().__init__(strict=False, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and _QUERY_INT.fullmatch(value) is None:
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Bool(fields.Boolean):
    """JSON ``true`` or ``false`` only: 0, 1, "yes" or "true" are refused, as the document's
    ``boolean`` says (marshmallow would take them all)."""

    default_error_messages: ClassVar[dict[str, str]] = {**_COMMON, "invalid": N_("Ange true eller false.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class QueryBool(Bool):
    """A boolean in a query string: exactly ``true`` or ``false``, as OpenAPI serialises one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value in ("true", "false"):
            return value == "true"
        raise self.make_error("invalid", input=value)


class Date(fields.Date):
    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": N_("Ange ett datum som ÅÅÅÅ-MM-DD."),
        "format": N_("Datumet kan inte visas."),
    }


class DateTime(fields.AwareDateTime):
    """Timestamps leave the API in UTC with an explicit offset (ISO 8601)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON,
        "invalid": N_("Ange en tidpunkt enligt ISO 8601 med tidszon."),
        "invalid_awareness": N_("Ange tidpunkten med tidszon, t.ex. 2026-01-31T12:00:00+00:00."),
        "format": N_("Tidpunkten kan inte visas."),
    }


class List(fields.List):
    default_error_messages: ClassVar[dict[str, str]] = {**_COMMON, "invalid": N_("Ange en lista.")}


class Nested(fields.Nested):
    default_error_messages: ClassVar[dict[str, str]] = {**_COMMON, "type": N_("Ange ett objekt.")}


class Dict(fields.Dict):
    default_error_messages: ClassVar[dict[str, str]] = {**_COMMON, "invalid": N_("Ange ett objekt.")}


class OrgNumber(fields.String):
    """Output only: stored as 10 digits, shown ``NNNNNN-NNNN``."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.metadata = {"pattern": r"^[0-9]{6}-[0-9]{4}$", "example": "556016-0680", **self.metadata}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else format_org_number(str(value))


def one_of(values: Any) -> validate.OneOf:
    choices = [v.value if isinstance(v, Enum) else v for v in values]
    return validate.OneOf(choices, error=N_("Ogiltigt värde. Tillåtna värden: {choices}."))


def length(max: int, min: int = 0) -> validate.Length:
    return validate.Length(
        min=min, max=max,
        error=N_("Texten ska vara högst {max} tecken.") if min == 0 else N_("Texten ska vara {min}–{max} tecken."),
    )


def list_length(min: int = 0, max: int | None = None) -> validate.Length:
    if max is None:
        return validate.Length(min=min, error=N_("Välj minst {min}."))
    return validate.Length(min=min, max=max, error=N_("Ange {min}–{max} värden."))


def int_range(min: int, max: int) -> validate.Range:
    return validate.Range(min=min, max=max, error=N_("Ange ett tal mellan {min} och {max}."))


def codes(enum_values: Any, **kwargs: Any) -> List:
    """A list of codes from one vocabulary (documented as an enum array)."""
    return List(Str(validate=one_of(enum_values)), **kwargs)


class ApiSchema(ma.Schema):
    """Unknown fields are refused (a typo must not be silently ignored), and so is a control
    character in any text of a body or a query string, whatever the field's type (``text.py``:
    a NUL was a 500 on PostgreSQL, an ESC broke the XLSX export). The check is here, not only in
    ``Str``, so that a field added later (a ``fields.Raw``, a plain ``fields.String``) has it too;
    the error names the field as marshmallow would (``languages.1``)."""

    error_messages: ClassVar[dict[str, str]] = {"type": N_("Ange ett JSON-objekt."), "unknown": N_("Okänt fält.")}

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def _refuse_control_characters(self, data: Any, **kwargs: Any) -> Any:
        only = None
        if self.unknown != ma.RAISE:  # a query string: parameters the schema ignores stay ignored
            only = {field.data_key or name for name, field in self.load_fields.items()}
        errors = _control_character_errors(data, only)
        if errors:
            raise ma.ValidationError(errors)
        return data


def _control_character_errors(value: Any, only: set[str] | None = None) -> Any:
    """Marshmallow's error shape for every text in ``value`` holding a refused character:
    ``{"name": [msg]}``, ``{"languages": {1: [msg]}}``; None when there is none."""
    if isinstance(value, str):
        return [CONTROL_CHARACTERS] if refused_in(value, multiline=True) else None
    if isinstance(value, Mapping):
        keys = value.keys()
        getter = value.getlist if hasattr(value, "getlist") else None  # a query string's repeated keys
        found = {}
        for key in keys:
            if only is not None and key not in only:
                continue
            item = getter(key) if getter else value[key]
            if getter and len(item) == 1:
                item = item[0]
            error = _control_character_errors(item)
            if isinstance(key, str) and refused_in(key, multiline=True):
                error = [CONTROL_CHARACTERS]
            if error:
                found[key] = error
        return found or None
    if isinstance(value, list | tuple):
        found = {i: e for i, e in ((i, _control_character_errors(item)) for i, item in enumerate(value)) if e}
        return found or None
    return None


class QuerySchema(ApiSchema):
    """Query strings ignore unknown parameters, as browsers and proxies add some."""

    class Meta:
        unknown = ma.EXCLUDE


class PageQuerySchema(QuerySchema):
    page = QueryInt(load_default=1, validate=int_range(1, 100_000), metadata={"description": "Sidnummer (från 1)."})
    per_page = QueryInt(load_default=50, validate=int_range(1, 200), metadata={"description": "Poster per sida (högst 200)."})


class PageSchema(ApiSchema):
    page = Int(required=True)
    per_page = Int(required=True)
    total = Int(required=True, metadata={"description": "Antal träffar totalt."})


class FieldErrorSchema(ApiSchema):
    field = Text(required=True, metadata={"description": "Fältets namn; nästlade fält med punkt, t.ex. kinds.0."})
    message = Text(required=True)


class ProblemSchema(ApiSchema):
    """RFC 7807 problem details, with field errors for validation problems."""

    class Meta:
        unknown = ma.INCLUDE

    type = Text(required=True, metadata={"example": "about:blank"})
    title = Text(required=True, metadata={"description": "Kort beskrivning på svenska."})
    status = Int(required=True, validate=int_range(400, 599))
    detail = Text(metadata={"description": "Förklaring på svenska."})
    errors = List(Nested(FieldErrorSchema), metadata={"description": "Fältfel (vid 422)."})
    current = Dict(metadata={"description": "Postens aktuella innehåll (vid 409 för inaktuell version)."})
    changed_by = Text(allow_none=True)
    changed_at = DateTime(allow_none=True)
    changes = Dict(metadata={"description": "Ändringar sedan den version du utgick från: fält -> [före, efter]."})


#: Largest id a path or body may name (PostgreSQL integer), also the largest version number.
MAX_ID = 2**31 - 1


def version_field(**kwargs: Any) -> Int:
    """The ``version`` a client read; a stale one is answered with 409 and the record as it is now."""
    return Int(required=True, validate=int_range(0, MAX_ID),
               metadata={"description": "Versionen du läste; är posten ändrad sedan dess blir svaret 409."},
               **kwargs)


class VersionQuerySchema(QuerySchema):
    """DELETE carries no body: the version read goes in the query string."""

    version = QueryInt(required=True, validate=int_range(0, MAX_ID),
                  metadata={"description": "Versionen du läste; är posten ändrad sedan dess blir svaret 409."})


class Money(fields.Decimal):
    """Kronor with öre as a JSON number in and out (a Decimal inside, never a float in the database)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **_COMMON, "invalid": N_("Ange ett tal."), "special": N_("Ange ett tal."),
    }

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> float | None:
        return None if value is None else float(value)
