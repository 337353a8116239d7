"""Error pages (HTML) and problem documents (API), and a clear answer when the database is down."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ValidationFailed(ValueError):
    """Field errors (field name -> list of user-facing messages) from a domain rule.

    The one error every service raises for bad input, so that one save step (``editing.save``)
    and one API handler can put the messages next to their fields whatever feature raised it.
    """

    def __init__(self, errors: dict[str, list[Any]]):
        super().__init__(errors)
        self.errors = errors

TITLES = {
    400: _l("Felaktig begäran"),
    401: _l("Inloggning krävs"),
    403: _l("Åtkomst nekad"),
    404: _l("Sidan finns inte"),
    405: _l("Metoden är inte tillåten"),
    409: _l("Konflikt"),
    413: _l("Filen eller begäran är för stor"),
    422: _l("Ogiltiga uppgifter"),
    429: _l("För många förfrågningar"),
    500: _l("Ett oväntat fel uppstod"),
    503: _l("Tjänsten är inte tillgänglig"),
}


def _wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def problem_response(status: int, detail: str | None = None, **extra: object):
    from flask import jsonify

    body = {"type": "about:blank", "title": str(TITLES.get(status, TITLES[500])), "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _clean_session() -> None:
    """Roll back the request's failed transaction before the error page is drawn (the page
    itself reads, e.g. the current user), so neither it nor the next request on this
    connection meets a transaction left half-open."""
    from vendor_registry.extensions import db
    from vendor_registry.sqlite import reads_only_from_now

    reads_only_from_now()
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: drop it, the pool makes a new one
        log.warning("rollback after an error failed", exc_info=True)
        db.session.remove()
        _draw_without_user()  # the person's row belonged to the session just dropped


def _draw_without_user() -> None:
    """Draw the error page for nobody in particular, without asking the database anything.

    The signed-in person (name, role, language, the notices badge) is read from the database
    that has just failed: loading them again for the error page would fail the same way and
    turn the clear 503 into a bare 500. Only this response is affected; the session cookie is
    untouched, so the person is still signed in on the next request."""
    from flask import current_app, g

    g._login_user = current_app.login_manager.anonymous_user()  # what Flask-Login's current_user reads


def init_errors(app: Flask) -> None:
    @app.teardown_request
    def _rollback_on_error(error: BaseException | None) -> None:
        if error is not None:
            _clean_session()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if _wants_problem_json():
            return problem_response(status, error.description if status not in (404, 405) else None)
        return render_template("errors/error.html", status=status, title=str(TITLES.get(status, TITLES[500]))), status

    @app.errorhandler(OperationalError)  # unreachable, locked past the busy timeout
    @app.errorhandler(InterfaceError)  # the connection closed under the request
    def database_down(error: OperationalError | InterfaceError):
        log.error("database error: %s", error)
        _clean_session()
        _draw_without_user()
        if _wants_problem_json():
            return problem_response(503, _("Databasen kan inte nås just nu. Försök igen om en stund."))
        return render_template("errors/error.html", status=503, title=str(TITLES[503]),
                               detail=_("Databasen kan inte nås just nu. Försök igen om en stund.")), 503

    @app.errorhandler(StaleDataError)
    def saved_meanwhile(error: StaleDataError):
        """Two saves of one record passed the version check together and met at the UPDATE
        (PostgreSQL: the second waited for the first's row lock, then matched no row): the
        conflict the version check reports, answered the same way, never as a 500."""
        log.info("concurrent save refused: %s", error)
        _clean_session()
        message = _("Någon annan sparade samma uppgift samtidigt, så din ändring sparades inte. "
                    "Öppna sidan igen och gör om ändringen.")
        if _wants_problem_json():
            return problem_response(409, message)
        return render_template("errors/error.html", status=409, title=str(TITLES[409]), detail=message), 409

    @app.errorhandler(500)
    def server_error(error: Exception):
        _clean_session()
        if _wants_problem_json():
            return problem_response(500)
        return render_template("errors/error.html", status=500, title=str(TITLES[500])), 500
