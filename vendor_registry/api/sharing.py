"""What the OpenAPI document says about sharing: every property of every schema is marked
``x-shared``, and every schema's description says in a sentence what is shared and what is own.

The values (issue 14: one installation, several organisations):

- ``true``: a shared fact, one record seen alike by every organisation (the provider, its
  licences, the method catalogue, automatic check results, what an organisation published);
- ``false``: the calling organisation's own (approval, contracts, reviews, demand profiles,
  tokens), or the answer to this call only (page numbers, problem details): no other
  organisation sees it;
- ``"record"``: shared or own depending on the record (a manual check marked shareable, a flag
  from a rule over shared facts); the schema's ``shared`` property, or its description, says how.

Properties that hold another schema (an object or a list of objects) get their value from it:
the same value when all its properties agree, else ``"mixed"`` (look at that schema).

The table below is the one place the classification is written, by component name (as the
document names the schema), with per-property exceptions; a marshmallow field's own
``metadata={"x-shared": …}`` wins over it. ``tests/api/test_openapi_sharing.py`` fails for a
property the table does not classify, so a new field or schema has to be placed here.
"""
from __future__ import annotations

from typing import Any

EXTENSION = "x-shared"
SHARED, OWN, RECORD, MIXED = True, False, "record", "mixed"
VALUES = (SHARED, OWN, RECORD, MIXED)

#: A key meaning "the organisation's own, because it is the answer to this call" (for the
#: description sentence only: the value is OWN).
META = "meta"

#: component name -> (default for its properties, {property: value} exceptions). ``META`` as
#: the default: OWN, described as metadata of the answer.
CLASSIFICATION: dict[str, tuple[Any, dict[str, Any]]] = {
    # the provider: shared facts, but approval is each organisation's own
    "Provider": (SHARED, {"status": OWN, "status_changed_at": OWN, "approved_at": OWN}),
    "ProviderDetail": (SHARED, {"status": OWN, "status_changed_at": OWN, "approved_at": OWN}),
    "ProviderCreate": (SHARED, {}),
    "ProviderPatch": (SHARED, {}),
    "ProviderPage": (META, {}),
    # licences and their verifications; the method catalogue; the methods a provider offers
    "Licence": (SHARED, {}), "LicenceCreate": (SHARED, {}), "LicencePatch": (SHARED, {}), "LicenceList": (META, {}),
    "Method": (SHARED, {}), "MethodCreate": (SHARED, {}), "MethodPatch": (SHARED, {}), "MethodList": (META, {}),
    "OfferedMethod": (SHARED, {}), "OfferedCreate": (SHARED, {}), "OfferedPatch": (SHARED, {}),
    "OfferedList": (META, {}),
    # background checks: automatic ones are shared, manual ones own unless marked shareable
    "Check": (RECORD, {}), "CheckCreate": (RECORD, {}), "CheckList": (META, {}),
    "Run": (SHARED, {}),
    "Evidence": (RECORD, {}), "EvidenceList": (META, {}),
    # the organisation's own judgement and work
    "Approval": (OWN, {}), "ApprovalEvent": (OWN, {}), "Transition": (OWN, {}),
    "Contract": (OWN, {}), "ContractCreate": (OWN, {}), "ContractPatch": (OWN, {}), "ContractList": (META, {}),
    "Review": (OWN, {}), "ReviewCreate": (OWN, {}), "ReviewPatch": (OWN, {}), "ReviewList": (META, {}),
    "Ratings": (OWN, {}), "Action": (OWN, {}), "NewAction": (OWN, {}), "ActionChange": (OWN, {}),
    "Complete": (OWN, {}),
    "Profile": (OWN, {}), "ProfileList": (META, {}), "Requirement": (OWN, {}),
    "MatchRequest": (OWN, {}), "MatchResult": (OWN, {}), "Included": (OWN, {}), "Excluded": (OWN, {}),
    "Token": (OWN, {}), "TokenList": (META, {}),
    # shared on purpose: what an organisation published of a review, under its name
    "PublishedReview": (SHARED, {}), "PublishedRatings": (SHARED, {}), "PublishedSummary": (SHARED, {}),
    "OutcomeCounts": (SHARED, {}), "PublishedList": (SHARED, {}), "Publish": (SHARED, {}),
    # flags: shared-fact rules raise shared flags, own rules own ones; handling is own
    "Flag": (RECORD, {}), "FlagPage": (META, {}), "FlagHistory": (META, {}), "AuditEvent": (RECORD, {}),
    "Acknowledge": (OWN, {}), "Assign": (OWN, {}), "Dismiss": (OWN, {}), "Resolve": (OWN, {}),
    "Bulk": (OWN, {}), "BulkItem": (OWN, {}), "BulkResult": (OWN, {}), "BulkSkipped": (OWN, {}),
    # the scheduled jobs serve the whole installation
    "JobRun": (SHARED, {}), "JobRunPage": (META, {}),
    # answers about this call
    "Problem": (META, {}), "FieldError": (META, {}), "PaginationMetadata": (META, {}),
}

#: Schemas whose sentence is written out: how to tell shared from own where ``"record"`` needs
#: more than "the ``shared`` property says", or what a schema of the call itself is.
NOTES = {
    "Problem": "Felbeskrivning för just detta anrop: delas inte.",
    "Flag": "En avvikelse från en regel över delade uppgifter (t.ex. ett återkallat tillstånd) är delad; "
            "en regel över organisationens egna poster (avtal, uppföljningar) ger en egen avvikelse.",
    "AuditEvent": "Händelser på delade poster ser alla organisationers granskare, händelser på egna poster "
                  "bara den egna organisationens.",
    "CheckCreate": "Kontrollen blir organisationens egen, eller delad med alla när shareable är true.",
}


def _ref_name(prop: dict[str, Any]) -> str | None:
    """The component a property holds (an object, a list of them, or allOf/anyOf one), if any."""
    for candidate in (prop, prop.get("items") or {}):
        ref = candidate.get("$ref")
        if ref is None:
            for combined in candidate.get("allOf", []) + candidate.get("anyOf", []) + candidate.get("oneOf", []):
                ref = combined.get("$ref") or ref
        if ref:
            return ref.rsplit("/", 1)[-1]
    return None


def _leaf_value(name: str, prop_name: str, prop: dict[str, Any]) -> Any:
    if EXTENSION in prop:
        return prop[EXTENSION]
    if name not in CLASSIFICATION:
        return None
    default, exceptions = CLASSIFICATION[name]
    value = exceptions.get(prop_name, default)
    return OWN if value == META else value


def _uniform(values: list[Any]) -> Any:
    distinct = {repr(v) for v in values}
    return values[0] if len(distinct) == 1 else MIXED


def classify(schemas: dict[str, dict[str, Any]]) -> None:
    """Mark every property of ``schemas`` (the document's components) and describe each schema.
    Idempotent; a property nothing classifies is left unmarked (the test names it)."""
    done: dict[str, list[Any]] = {}

    def values_of(name: str, seen: frozenset[str]) -> list[Any]:
        if name in done:
            return done[name]
        schema = schemas.get(name) or {}
        found = []
        for prop_name, prop in (schema.get("properties") or {}).items():
            ref = _ref_name(prop)
            if EXTENSION in prop:
                value = prop[EXTENSION]
            elif ref is not None and ref not in seen and name in CLASSIFICATION and \
                    prop_name not in CLASSIFICATION[name][1]:
                nested = values_of(ref, seen | {name})
                value = _uniform(nested) if nested and None not in nested else None
            else:
                value = _leaf_value(name, prop_name, prop)
            if value is not None:
                prop[EXTENSION] = value
            found.append(value)
        done[name] = found
        return found

    for name in schemas:
        values_of(name, frozenset())
    for name, schema in schemas.items():
        sentence = describe(name, schema)
        if sentence and sentence not in (schema.get("description") or ""):
            schema["description"] = f"{schema['description']} {sentence}" if schema.get("description") else sentence


def describe(name: str, schema: dict[str, Any]) -> str:
    """One sentence on what of the schema is shared (in Swedish, as the whole document)."""
    props = schema.get("properties") or {}
    if not props or any(EXTENSION not in p for p in props.values()):
        return ""
    if name in NOTES:
        return NOTES[name]
    if name in CLASSIFICATION and CLASSIFICATION[name] == (META, {}):
        if any(_ref_name(p) for p in props.values()):
            return "Ett svar som innehåller poster: se x-shared för varje fält och i postens schema."
        return "Metadata om svaret: gäller bara detta anrop och delas inte."
    values = {repr(p[EXTENSION]) for p in props.values()}
    if values == {repr(SHARED)}:
        return "Delade uppgifter (x-shared: true): samma post för alla organisationer."
    if values == {repr(OWN)}:
        return "Organisationens egna uppgifter (x-shared: false): andra organisationer ser dem inte."
    if values == {repr(RECORD)}:
        return "Delad eller egen beroende på posten (x-shared: record): fältet shared anger vilket."
    keys = sorted(props)  # the served document sorts its keys: the sentence must not depend on order
    shared = [key for key in keys if props[key][EXTENSION] is SHARED]
    own = [key for key in keys if props[key][EXTENSION] is OWN]
    other = [key for key in keys if key not in shared and key not in own]
    parts = [text + ", ".join(keys) for text, keys in (
        ("delade uppgifter: ", shared), ("organisationens egna: ", own), ("delade eller egna per post: ", other))
        if keys]
    return "Fälten är delvis delade (se x-shared): " + "; ".join(parts) + "."


INFO_SENTENCE = (
    "\n\nFlera organisationer delar registret. Varje fält i varje schema är märkt `x-shared`: `true` = delad "
    "uppgift (samma post för alla organisationer: utföraren, tillstånd och deras verifiering, automatiska "
    "kontroller, metodkatalogen, publicerade uppföljningar), `false` = er organisations egen (godkännande, avtal, "
    "uppföljningar, kravprofiler, nycklar) eller svaret på just detta anrop, `\"record\"` = beror på posten "
    "(fältet `shared`), `\"mixed\"` = ett nästlat schema med båda slagen. En API-nyckel agerar alltid inom sin "
    "användares organisation."
)


def document(spec: Any) -> None:
    """Classify the spec's component schemas and explain ``x-shared`` in the document's info."""
    classify(spec.components.schemas)
    info = spec.options.setdefault("info", {})
    if INFO_SENTENCE not in info.get("description", ""):
        info["description"] = info.get("description", "") + INFO_SENTENCE
