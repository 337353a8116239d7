"""The provider entity's blueprint and the template helpers its pages share.

Every provider page shows more than the record itself — the list and the detail page show
its standing (licences, flags, checks, reviews together), and even the register/edit form
offers the service-area catalogue of the methods feature — so the routes are added in
``standing.views``, above the features, on this blueprint (endpoints stay ``providers.*``).
"""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    url_for,
)
from werkzeug.routing import BuildError

from vendor_registry.labels import choices, county_choices

bp = Blueprint("providers", __name__, url_prefix="/providers")


@bp.app_context_processor
def _template_helpers():
    """``endpoint_exists(name)``: link to another feature's page only once it is registered."""
    def endpoint_exists(name: str) -> bool:
        return name in current_app.view_functions

    def safe_url_for(name: str, **values) -> str | None:
        try:
            return url_for(name, **values)
        except BuildError:
            return None

    return {"endpoint_exists": endpoint_exists, "safe_url_for": safe_url_for,
            "choices_for": choices, "county_options": county_choices}
