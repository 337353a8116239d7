"""Creating and renaming organisations: installation-level set-up, done from the command line
(an organisation's administrator manages its own users, never other organisations)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.organisations.models import Organisation
from vendor_registry.text import refused_in


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 200 or refused_in(name):
        raise ValidationFailed({"name": [_l("Ange organisationens namn (högst 200 tecken, en rad).")]})
    return name


def create_organisation(name: str) -> Organisation:
    name = _clean_name(name)
    clash = db.session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower()))
    if clash is not None:
        raise ValidationFailed({"name": [_l("Det finns redan en organisation som heter %(name)s.", name=name)]})
    organisation = Organisation(name=name)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def rename_organisation(organisation: Organisation, name: str) -> Organisation:
    organisation.name = _clean_name(name)
    db.session.flush()
    return organisation
