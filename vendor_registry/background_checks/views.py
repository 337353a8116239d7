"""Background-check pages: history and "run now", manual checks, evidence, IVO extract import.

Thin: validate → one service call → commit → flash → redirect. Everything here shows check
details, so every page needs VIEW_CHECK_DETAILS or RECORD_CHECK (social workers see only
whether checks are current, elsewhere).
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from vendor_registry import clock, editing
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.background_checks import extract_import, queries, services
from vendor_registry.background_checks.evidence import document_choices, may_download
from vendor_registry.background_checks.forms import (
    EvidenceUploadForm,
    ExtractApplyForm,
    ExtractUploadForm,
    ManualCheckForm,
    RunCheckForm,
)
from vendor_registry.background_checks.models import EvidenceDocument
from vendor_registry.background_checks.runner import build_checkers, run_check
from vendor_registry.background_checks.storage import (
    UnknownKey,
    attachment_response,
)
from vendor_registry.codes import CheckType
from vendor_registry.editing import apply_field_errors
from vendor_registry.errors import ValidationFailed
from vendor_registry.extensions import db
from vendor_registry.providers.queries import get_provider_or_404
from vendor_registry.security import download_headers

bp = Blueprint("background_checks", __name__)
MULTIPART_SLACK = 64 * 1024  # form fields and multipart boundaries around the file itself


def _refuse_oversized(setting: str = "EVIDENCE_MAX_BYTES") -> None:
    """413 before reading a body that cannot fit (MAX_CONTENT_LENGTH is the outer bound)."""
    limit = int(current_app.config.get(setting) or 20 * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit + MULTIPART_SLACK:
        abort(413)



def _upload(field):
    """(stream, filename) of an uploaded file, or None when the field was left empty."""
    file = field.data
    if file is None or not getattr(file, "filename", ""):
        return None
    return file.stream, file.filename


@bp.route("/providers/<int:provider_id>/checks")
@require(Permission.VIEW_CHECK_DETAILS)
def provider_checks(provider_id: int):
    provider = get_provider_or_404(provider_id)
    policies = queries.policy_intervals()
    required = queries.required_types(provider.kinds, policies)
    latest = queries.latest_checks_by_type(provider.id)
    configured = set(build_checkers(current_app.config))
    rows = [{
        "type": check_type,
        "required": check_type in required,
        "interval": queries.interval_days(provider.kinds, check_type, policies),
        "latest": latest.get(check_type),
        "configured": (check_type in configured) if check_type.automatic else None,
    } for check_type in CheckType]
    return render_template("background_checks/provider_checks.html", provider=provider, rows=rows,
                           history=queries.check_history(provider.id), run_form=RunCheckForm(),
                           today=clock.today())


@bp.route("/providers/<int:provider_id>/checks/run", methods=["POST"])
@require(Permission.RECORD_CHECK)
def run_now(provider_id: int):
    provider = get_provider_or_404(provider_id)
    form = RunCheckForm()
    if not form.validate_on_submit():
        flash(_("Välj en automatisk kontrolltyp."), "danger")
        return redirect(url_for("background_checks.provider_checks", provider_id=provider.id))
    check_type = CheckType(form.check_type.data)
    checker = build_checkers(current_app.config).get(check_type)
    if checker is None:
        flash(_("Inte konfigurerad: kontrollen kan inte köras förrän källan är inställd."), "warning")
        return redirect(url_for("background_checks.provider_checks", provider_id=provider.id))
    check = run_check(provider, check_type, checker)
    db.session.commit()
    category = {"pass": "success", "concern": "warning", "fail": "danger"}.get(check.result.value, "secondary")
    flash(_("Kontrollen är gjord: %(summary)s", summary=check.summary), category)
    return redirect(url_for("background_checks.provider_checks", provider_id=provider.id))


@bp.route("/providers/<int:provider_id>/checks/new", methods=["GET", "POST"])
@require(Permission.RECORD_CHECK)
def record(provider_id: int):
    provider = get_provider_or_404(provider_id)
    _refuse_oversized()
    form = ManualCheckForm(evidence_choices=document_choices(provider.id, current_user))
    if request.method == "GET":
        form.performed_on.data = clock.today()
    if form.validate_on_submit():
        outcome = editing.save(
            form, lambda: services.record_manual_check(provider, form.to_data(), upload=_upload(form.document)),
            _("Bakgrundskontrollen är registrerad."))
        if outcome.saved:
            return redirect(url_for("background_checks.provider_checks", provider_id=provider.id))
    policies = queries.policy_intervals()
    intervals = {t.value: queries.interval_days(provider.kinds, t, policies) for t in CheckType}
    status = editing.page_status(form)
    return render_template("background_checks/record.html", provider=provider, form=form,
                           intervals=intervals), status


@bp.route("/providers/<int:provider_id>/evidence/new", methods=["GET", "POST"])
@require(Permission.RECORD_CHECK, Permission.EDIT_PROVIDERS)
def upload(provider_id: int):
    provider = get_provider_or_404(provider_id)
    _refuse_oversized()
    form = EvidenceUploadForm()
    if form.validate_on_submit():
        def store():
            file = _upload(form.document)
            if file is None:
                raise ValidationFailed({"document": [_("Välj en fil.")]})
            return services.store_document(file[0], file[1], provider_id=provider.id,
                                           description=form.description.data)

        outcome = editing.save(form, store, lambda document: _("Filen är sparad som underlag (nr %(id)s).",
                                                               id=document.id))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=provider.id, _anchor="evidence"))
    status = editing.page_status(form)
    return render_template("background_checks/upload.html", provider=provider, form=form), status


@bp.route("/evidence/<int:document_id>")
@download_headers
@require(Permission.VIEW_PROVIDERS)
def download(document_id: int):
    """Always an attachment of the type the content proved, never rendered in our origin.

    Who may download follows what the document supports (``evidence.may_download``): a social
    worker gets licence and review evidence, never a background check's."""
    document = db.session.get(EvidenceDocument, document_id) or abort(404)
    if not may_download(document, current_user):
        abort(403)
    try:
        return attachment_response(document, current_app.config)
    except UnknownKey:
        abort(404)


@bp.route("/checks/ivo-extract", methods=["GET", "POST"])
@require(Permission.RECORD_CHECK)
def extract_upload():
    _refuse_oversized("EXTRACT_MAX_BYTES")
    form = ExtractUploadForm()
    if form.validate_on_submit():
        file = _upload(form.file)
        try:
            if file is None:
                raise ValidationFailed({"file": [_("Välj en fil.")]})
            data = extract_import.read_upload(file[0])
        except ValidationFailed as exc:
            apply_field_errors(form, exc.errors)
        else:
            with editing.dry_run():  # nothing the preview loaded may be flushed
                plan = extract_import.plan_import(data, file[1])
            # Kept only when there is something to apply: a refused file leaves nothing behind.
            stored = extract_import.keep_pending(data) if plan.matched and not plan.problems else None
            apply_form = ExtractApplyForm(formdata=None, key=stored and stored.key,
                                          sha256=stored and stored.sha256, filename=file[1])
            return render_template("background_checks/extract_report.html", plan=plan,
                                   apply_form=apply_form, filename=file[1])
    status = 422 if form.errors else 200
    return render_template("background_checks/extract_upload.html", form=form), status


@bp.route("/checks/ivo-extract/apply", methods=["POST"])
@require(Permission.RECORD_CHECK)
def extract_apply():
    form = ExtractApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        outcome = editing.save(form, lambda: extract_import.apply_import(form.key.data, form.sha256.data,
                                                                         form.filename.data or None),
                               lambda counts: _("Registerutdraget är infört: %(verified)s tillstånd verifierade, "
                                                "%(changed)s ändrade, %(providers)s utförare fick en kontroll "
                                                "registrerad.", **counts), on_form=False)
    except extract_import.AlreadyApplied:  # another apply of this dry run won: say so, change nothing
        db.session.rollback()
        flash(str(extract_import.ALREADY_APPLIED), "warning")
        return render_template("background_checks/extract_upload.html", form=ExtractUploadForm(formdata=None)), 409
    if not outcome.saved:
        for messages in outcome.errors.values():
            for message in messages:
                flash(str(message), "danger")
        return redirect(url_for("background_checks.extract_upload"))
    extract_import.discard_pending(form.key.data)
    return redirect(url_for("background_checks.extract_upload"))
