"""Swedish names for what the audit log stores as table and column names.

The log keeps the database's own words (``override_justification``, ``provider_methods``) so
that it stays exact; people read it through these names. A test checks that every column of
every audited table has one, so a new column cannot reach the page as a code.
"""
from __future__ import annotations

from functools import lru_cache

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from vendor_registry import codes as c

ENTITY_LABELS: dict[str, LazyString] = {
    "providers": _l("Utförare"),
    "licences": _l("Tillstånd"),
    "contracts": _l("Avtal"),
    "provider_methods": _l("Erbjuden metod"),
    "background_checks": _l("Bakgrundskontroll"),
    "reviews": _l("Uppföljning"),
    "review_actions": _l("Åtgärd från uppföljning"),
    "flags": _l("Avvikelse"),
    "flag_handlings": _l("Organisationens hantering av en delad avvikelse"),
    "flag_rule_states": _l("Regelns första körning"),
    "approval_events": _l("Statusändring"),
    "evidence_documents": _l("Underlagsdokument"),
    "users": _l("Användare"),
    "api_tokens": _l("API-nyckel"),
    "methods": _l("Metod i katalogen"),
    "service_areas": _l("Insatsområde i katalogen"),
    "check_policies": _l("Kontrollpolicy"),
    "demand_profiles": _l("Kravprofil"),
    "requirements": _l("Krav i kravprofil"),
    "provider_approvals": _l("Godkännande"),
    "organisations": _l("Organisation"),
    "published_reviews": _l("Publicerad uppföljning"),
}

#: Column name -> label, for every audited table; TABLE_FIELD_LABELS overrides per table.
FIELD_LABELS: dict[str, LazyString] = {
    "id": _l("Id"),
    "provider_id": _l("Utförare"),
    "flag_id": _l("Avvikelse"),
    "org_number": _l("Organisationsnummer"),
    "name": _l("Namn"),
    "kinds": _l("Verksamhetstyper"),
    "ownership": _l("Ägarform"),
    "municipality": _l("Kommun"),
    "county": _l("Län"),
    "counties_served": _l("Län som betjänas"),
    "capacity": _l("Antal platser"),
    "target_groups": _l("Målgrupper"),
    "housing_forms": _l("Boendeformer"),
    "max_threat_level": _l("Högsta hotnivå"),
    "languages": _l("Språk"),
    "service_areas": _l("Insatsområden"),
    "contact_name": _l("Kontaktperson"),
    "contact_email": _l("Kontaktens e-post"),
    "contact_phone": _l("Kontaktens telefon"),
    "website": _l("Webbplats"),
    "address": _l("Adress"),
    "notes": _l("Anteckningar"),
    "status": _l("Status"),
    "status_changed_at": _l("Status ändrad"),
    "organisation_id": _l("Organisation"),
    "approved_at": _l("Godkänd den"),
    "conditions": _l("Villkor"),
    "conditions_until": _l("Villkor gäller till"),
    "kind": _l("Typ"),
    "form": _l("Form"),
    "ivo_reference": _l("Diarienummer hos IVO"),
    "scope": _l("Omfattning"),
    "granted_on": _l("Beslutat"),
    "starts_on": _l("Startdatum"),
    "ends_on": _l("Slutdatum"),
    "last_verified_at": _l("Senast verifierat"),
    "verification_method": _l("Verifierat genom"),
    "evidence": _l("Underlag"),
    "evidence_document_id": _l("Underlagsdokument"),
    "reference": _l("Avtalsreferens"),
    "price_per_day": _l("Dygnspris"),
    "method_id": _l("Metod"),
    "trained_staff": _l("Utbildad personal"),
    "certification_ends_on": _l("Certifiering gäller till"),
    "check_type": _l("Kontrolltyp"),
    "performed_at": _l("Utförd"),
    "performed_on": _l("Utförd"),
    "performed_by_id": _l("Utförd av"),
    "performed_by_label": _l("Utförd av (namn)"),
    "automatic": _l("Automatisk"),
    "result": _l("Resultat"),
    "summary": _l("Sammanfattning"),
    "details": _l("Detaljer"),
    "source_url": _l("Källa"),
    "request_id": _l("Förfrågans id"),
    "response_sha256": _l("Svarets kontrollsumma"),
    "next_due_on": _l("Nästa kontroll senast"),
    "contract_id": _l("Avtal"),
    "outcome": _l("Resultat"),
    "rating_delivered_as_agreed": _l("Betyg: levererat enligt överenskommelse"),
    "rating_staff_competence": _l("Betyg: personalens kompetens"),
    "rating_safety": _l("Betyg: säkerhet"),
    "rating_cooperation": _l("Betyg: samverkan"),
    "rating_documentation": _l("Betyg: dokumentation"),
    "review_id": _l("Uppföljning"),
    "description": _l("Beskrivning"),
    "deadline": _l("Senast klart"),
    "completed_on": _l("Klar den"),
    "rule": _l("Regel"),
    "subject_key": _l("Gäller"),
    "severity": _l("Allvarlighetsgrad"),
    "message": _l("Meddelande"),
    "raised_at": _l("Upptäckt"),
    "last_seen_at": _l("Senast sedd"),
    "last_seen": _l("Senast sedd"),
    "escalated_at": _l("Skärpt"),
    "acknowledged_at": _l("Kvitterad"),
    "acknowledged_by_id": _l("Kvitterad av"),
    "ack_comment": _l("Kommentar vid kvittering"),
    "snoozed_until": _l("Uppskjuten till"),
    "assignee_id": _l("Ansvarig"),
    "resolved_at": _l("Avslutad"),
    "resolved_by_id": _l("Avslutad av"),
    "resolved_by_label": _l("Avslutad av (namn)"),
    "resolution_note": _l("Vad som gjorts"),
    "cleared_at": _l("Villkoret upphörde"),
    "announced": _l("Aviserad"),
    "first_run_at": _l("Första körning"),
    "last_swept_at": _l("Senaste genomgång"),
    "from_status": _l("Från status"),
    "to_status": _l("Till status"),
    "actor_id": _l("Beslutad av"),
    "actor_label": _l("Beslutad av (namn)"),
    "reason": _l("Motivering"),
    "override_justification": _l("Motivering trots kritisk avvikelse"),
    "storage_key": _l("Lagringsnyckel"),
    "original_filename": _l("Filnamn"),
    "content_type": _l("Filtyp"),
    "size_bytes": _l("Storlek (byte)"),
    "sha256": _l("Kontrollsumma"),
    "uploaded_by_id": _l("Uppladdad av"),
    "uploaded_at": _l("Uppladdad"),
    "email": _l("E-postadress"),
    "role": _l("Roll"),
    "password_hash": _l("Lösenord"),
    "active": _l("Aktiv"),
    "session_token": _l("Inloggningsnyckel"),
    "locale": _l("Språkval"),
    "last_login_at": _l("Senast inloggad"),
    "oidc_subject": _l("Identitet hos kommunens inloggningstjänst (sub)"),
    "notices_seen_at": _l("Notiser senast lästa"),
    "sign_in_unlocked_at": _l("Inloggning upplåst"),
    "last_digest_at": _l("Senaste sammanfattning"),
    "user_id": _l("Användare"),
    "token_hash": _l("Nyckelns kontrollsumma"),
    "prefix": _l("Nyckelns början"),
    "last_used_at": _l("Senast använd"),
    "expires_at": _l("Gäller till"),
    "revoked_at": _l("Återkallad"),
    "short_name": _l("Kortnamn"),
    "evidence_level": _l("Evidensnivå"),
    "evidence_source": _l("Källa för evidens"),
    "code": _l("Kod"),
    "name_sv": _l("Namn på svenska"),
    "name_en": _l("Namn på engelska"),
    "provider_kind": _l("Verksamhetstyp"),
    "interval_days": _l("Intervall (dagar)"),
    "required": _l("Krävs"),
    "copied_from_id": _l("Kopierad från"),
    "profile_id": _l("Kravprofil"),
    "position": _l("Ordning"),
    "value": _l("Värde"),
    "mandatory": _l("Ska-krav"),
    "weight": _l("Vikt"),
    "publisher_organisation_id": _l("Publicerad av"),
    "shared_by_organisation_id": _l("Delad av"),
}

TABLE_FIELD_LABELS: dict[tuple[str, str], LazyString] = {
    ("licences", "kind"): _l("Typ av tillstånd"),
    ("licences", "status"): _l("Tillståndets status"),
    ("licences", "ends_on"): _l("Gäller till"),
    ("contracts", "kind"): _l("Avtalsform"),
    ("reviews", "kind"): _l("Typ av uppföljning"),
    ("published_reviews", "kind"): _l("Typ av uppföljning"),
    ("requirements", "kind"): _l("Kravtyp"),
    ("providers", "status"): _l("Godkännandestatus"),
    ("provider_approvals", "status"): _l("Godkännandestatus"),
    ("flags", "status"): _l("Avvikelsens status"),
    ("flag_handlings", "status"): _l("Avvikelsens status hos organisationen"),
    ("demand_profiles", "status"): _l("Profilens status"),
}

#: Code-list columns and the vocabulary of their codes (counties are labelled by code).
CODE_LISTS: dict[str, type] = {
    "kinds": c.ProviderKind,
    "target_groups": c.TargetGroup,
    "housing_forms": c.HousingForm,
    "service_areas": c.ServiceAreaCode,
}

ACTION_LABELS: dict[str, LazyString] = {
    "insert": _l("Skapad"),
    "update": _l("Ändrad"),
    "delete": _l("Borttagen"),
}


# One catalogue lookup per name and language: the provider page's 50 newest changes name
# ~150 fields, and each lazy string's translation otherwise walks Flask-Babel's context anew.
@lru_cache(maxsize=4096)
def _entity_label(table: str, locale: str) -> str:
    found = ENTITY_LABELS.get(table)
    return str(found) if found is not None else table


@lru_cache(maxsize=8192)
def _field_label(table: str, field: str, locale: str) -> str:
    found = TABLE_FIELD_LABELS.get((table, field)) or FIELD_LABELS.get(field)
    return str(found) if found is not None else field


@lru_cache(maxsize=64)
def _action_label(action: str, locale: str) -> str:
    found = ACTION_LABELS.get(action)
    return str(found) if found is not None else action


def entity_label(table: str) -> str:
    return _entity_label(table, str(get_locale()))


def field_label(table: str, field: str) -> str:
    return _field_label(table, field, str(get_locale()))


def action_label(action: str) -> str:
    return _action_label(action, str(get_locale()))
