"""The OpenAPI document says, for every property of every schema, whether it is a shared fact
or the calling organisation's own (``x-shared``), and every schema says so in a sentence."""
from __future__ import annotations

import copy

from vendor_registry.api import sharing


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def unclassified(schemas: dict) -> list[str]:
    """``Schema.property`` for every property without a valid ``x-shared``."""
    wrong = []
    for name, schema in schemas.items():
        for prop_name, prop in (schema.get("properties") or {}).items():
            value = prop.get(sharing.EXTENSION, "missing")
            if value not in sharing.VALUES or (value == sharing.MIXED and sharing._ref_name(prop) is None):
                wrong.append(f"{name}.{prop_name}={value!r}")
    return wrong


def test_every_schema_property_is_classified(client):
    schemas = _document(client)["components"]["schemas"]
    assert len(schemas) > 50
    assert unclassified(schemas) == [], "add them to vendor_registry/api/sharing.py CLASSIFICATION"


def test_the_table_names_only_schemas_that_exist(client):
    schemas = _document(client)["components"]["schemas"]
    assert sorted(set(sharing.CLASSIFICATION) - set(schemas)) == []
    assert sorted(set(sharing.NOTES) - set(schemas)) == []


def test_every_schema_says_what_is_shared_in_its_description(client):
    schemas = _document(client)["components"]["schemas"]
    silent = [name for name, schema in schemas.items()
              if schema.get("properties") and sharing.describe(name, schema) not in (schema.get("description") or "")]
    assert silent == []
    assert all(sharing.describe(name, schema) for name, schema in schemas.items() if schema.get("properties"))
    assert "x-shared" in _document(client)["info"]["description"]


def test_shared_facts_and_own_judgement_are_told_apart(client):
    schemas = _document(client)["components"]["schemas"]

    def marks(name):
        return {key: prop["x-shared"] for key, prop in schemas[name]["properties"].items()}

    provider = marks("Provider")
    assert provider["org_number"] is True and provider["name"] is True and provider["kinds"] is True
    assert provider["status"] is False and provider["approved_at"] is False  # approval is each organisation's
    assert "egna: approved_at, status, status_changed_at" in schemas["Provider"]["description"]
    assert set(marks("Licence").values()) == {True}
    assert set(marks("Contract").values()) == {False}
    assert marks("Review")["summary"] is False and marks("Review")["published"] is False
    assert set(marks("PublishedReview").values()) == {True}
    assert marks("ProviderDetail")["published_reviews"] is True  # nested: from PublishedSummary
    assert marks("Review")["ratings"] is False and marks("Review")["actions"] is False
    assert marks("Check")["shared"] == "record" and marks("CheckCreate")["shareable"] == "record"
    assert marks("ProviderPage")["items"] == "mixed" and marks("ProviderPage")["total"] is False


def test_an_unclassified_property_is_left_unmarked_and_found():
    """The check above can fail: a schema the table does not know keeps its property unmarked."""
    schemas = {
        "Provider": {"properties": {"name": {"type": "string"}, "status": {"type": "string"}}},
        "Novelty": {"properties": {"secret": {"type": "string"}}},
        "Wrapper": {"properties": {"item": {"$ref": "#/components/schemas/Novelty"}}},
    }
    mine = copy.deepcopy(schemas)
    sharing.classify(mine)
    assert unclassified(mine) == ["Novelty.secret='missing'", "Wrapper.item='missing'"]
    assert mine["Provider"]["properties"]["status"]["x-shared"] is False
    assert "egna: status" in mine["Provider"]["description"]
    assert "description" not in mine["Novelty"]
    sharing.classify(mine)  # idempotent: the sentence is not repeated
    assert mine["Provider"]["description"].count("delvis delade") == 1
