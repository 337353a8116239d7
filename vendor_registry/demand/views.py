"""Demand pages: profiles (list, detail, create, edit, copy, retire) and matching (ad hoc need,
explanation, comparison, export). Thin: validate → one service or query call → commit → redirect.

The ad hoc need travels only in the query string (so a result can be re-opened and printed);
it is never written to the database, the session or a log.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from vendor_registry import clock
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.codes import RequirementKind
from vendor_registry.concurrency import StaleRecordError
from vendor_registry.demand import exports, queries, services
from vendor_registry.demand.forms import MatchForm, ProfileForm
from vendor_registry.demand.matching import match
from vendor_registry.demand.pickers import UNCHOSEN, value_pickers
from vendor_registry.demand.requirements import (
    AD_HOC_WEIGHT,
    Req,
    describe,
    kind_label,
    label_choices,
    needs_to_requirements,
)
from vendor_registry.demand.snapshots import load_snapshots
from vendor_registry.extensions import db
from vendor_registry.methods.queries import active_methods, service_area_choices

bp = Blueprint("demand", __name__, url_prefix="/demand")

#: Query-string keys that describe the need (everything else is page state).
PAGE_KEYS = {"provider", "run"}


@bp.route("/profiles")
@require(Permission.RUN_MATCHING)
def profiles():
    show_retired = request.args.get("retired") == "1"
    return render_template("demand/profiles.html", profiles=queries.list_profiles(include_retired=show_retired),
                           show_retired=show_retired)


@bp.route("/profiles/<int:profile_id>")
@require(Permission.RUN_MATCHING)
def profile_detail(profile_id: int):
    profile = queries.get_profile_or_404(profile_id)
    return render_template("demand/profile_detail.html", profile=profile,
                           reqs=queries.profile_requirements(profile), describe=describe)


def _apply_errors(form: ProfileForm, errors: dict) -> None:
    """Put service errors on the fields; row keys name the index among the kept rows."""
    kept = [i for i, _row in form.kept_rows()]
    for key, messages in errors.items():
        target = None
        if key.startswith("requirements-"):
            _prefix, index, part = key.split("-", 2)
            if int(index) < len(kept):
                target = form.requirements.entries[kept[int(index)]].form[part]
        elif key in form:
            target = form[key]
        bucket = target.errors if target is not None else form.form_errors
        if isinstance(bucket, tuple):
            bucket = list(bucket)
            target.errors = bucket
        bucket.extend(str(m) for m in messages)


def _has_errors(form: ProfileForm) -> bool:
    """WTForms caches a FieldList's errors at validation; service errors land on subfields later."""
    return bool(form.name.errors or form.description.errors or form.form_errors
                or any(field.errors for entry in form.requirements for field in entry.form))


def _editor(form: ProfileForm, profile, stale=None, status: int = 200):
    last = queries.last_requirement_change(profile) if stale and not stale.changed_by else None
    chosen = {entry.form.value.data for entry in form.requirements
              if entry.form.kind.data == RequirementKind.OFFERS_METHOD}
    pickers = value_pickers(queries.methods_for_picker(chosen))
    return render_template("demand/profile_form.html", form=form, profile=profile, stale=stale,
                           stale_event=last, value_suggestions=label_choices(), pickers=pickers,
                           unchosen=UNCHOSEN, template_row=ProfileForm.template_row()), status


def _wants_row(form: ProfileForm) -> bool:
    if form.add_row.data and len(form.requirements) < form.requirements.max_entries:
        form.requirements.append_entry()
        return True
    return False


@bp.route("/profiles/new", methods=["GET", "POST"])
@require(Permission.EDIT_DEMAND_PROFILES)
def profile_create():
    form = ProfileForm()
    if request.method == "POST" and _wants_row(form):
        return _editor(form, None)
    if form.validate_on_submit():
        try:
            profile = services.create_profile(form.name.data, form.description.data, form.requirement_dicts())
        except services.ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Kravprofilen %(name)s är skapad.", name=profile.name), "success")
            return redirect(url_for("demand.profile_detail", profile_id=profile.id))
    return _editor(form, None, status=422 if _has_errors(form) else 200)


@bp.route("/profiles/<int:profile_id>/edit", methods=["GET", "POST"])
@require(Permission.EDIT_DEMAND_PROFILES)
def profile_edit(profile_id: int):
    profile = queries.get_profile_or_404(profile_id)
    if request.method == "GET":
        form = ProfileForm(data={"name": profile.name, "description": profile.description,
                                 "version": profile.version, "requirements": ProfileForm.rows_from(profile) or [{}]})
        form.requirements.append_entry()  # one blank row: how the editor offers "one more"
        return _editor(form, profile)
    form = ProfileForm()
    if _wants_row(form):
        return _editor(form, profile)
    stale = None
    if form.validate_on_submit():
        try:
            services.update_profile(profile, form.name.data, form.description.data, form.requirement_dicts(),
                                    form.version.data)
        except StaleRecordError as exc:
            db.session.rollback()
            stale = exc
        except services.ValidationFailed as exc:
            db.session.rollback()
            _apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade. Profilen har nu version %(v)s.", v=profile.version), "success")
            return redirect(url_for("demand.profile_detail", profile_id=profile.id))
    status = 409 if stale else (422 if _has_errors(form) else 200)
    return _editor(form, profile, stale, status)


@bp.route("/profiles/<int:profile_id>/copy", methods=["POST"])
@require(Permission.EDIT_DEMAND_PROFILES)
def profile_copy(profile_id: int):
    copy = services.copy_profile(queries.get_profile_or_404(profile_id))
    db.session.commit()
    flash(_("Kopian %(name)s är skapad. Ge den ett eget namn.", name=copy.name), "success")
    return redirect(url_for("demand.profile_edit", profile_id=copy.id))


@bp.route("/profiles/<int:profile_id>/retire", methods=["POST"])
@require(Permission.EDIT_DEMAND_PROFILES)
def profile_retire(profile_id: int):
    profile = queries.get_profile_or_404(profile_id)
    retire = request.form.get("action", "retire") == "retire"
    try:
        services.retire_profile(profile, request.form.get("version"), retire=retire)
    except StaleRecordError:
        db.session.rollback()
        flash(_("Profilen har ändrats av någon annan under tiden. Kontrollera den och försök igen."), "warning")
        return redirect(url_for("demand.profile_detail", profile_id=profile.id))
    db.session.commit()
    flash(_("Profilen är avvecklad.") if retire else _("Profilen är aktiv igen."), "success")
    return redirect(url_for("demand.profile_detail", profile_id=profile.id))


# --- matching -------------------------------------------------------------------------------

def _match_form() -> MatchForm:
    form = MatchForm(request.args, profiles=queries.list_profiles(), methods=active_methods(),
                     areas=service_area_choices())
    chosen = queries.get_profile(int(form.profile.data)) if (form.profile.data or "").isdigit() else None
    form.set_profile_requirements([describe(r) for r in queries.profile_requirements(chosen)] if chosen else [])
    return form


def _need_args() -> dict[str, list[str]]:
    return {k: v for k, v in request.args.to_dict(flat=False).items() if k not in PAGE_KEYS}


def _requirements(form: MatchForm):
    """The unsaved profile: a saved profile's requirements (if chosen) plus the needs."""
    reqs, meta = [], {"profile_name": _("Ad hoc-behov"), "profile_version": "", "today": clock.today().isoformat()}
    if form.profile.data:
        profile = queries.get_profile(int(form.profile.data)) if form.profile.data.isdigit() else None
        if profile is None:
            abort(404)
        drop, soften = set(form.drop.data or []), set(form.soften.data or [])
        for index, req in enumerate(queries.profile_requirements(profile)):
            if str(index) in drop:
                continue
            if str(index) in soften and req.mandatory:
                req = Req(req.kind, req.value, False, AD_HOC_WEIGHT, req.value_label)
            reqs.append(req)
        needs_given = drop or soften or any(form.data.get(k) for k in (
            "provider_kind", "licences", "target_group", "threat_level", "housing_form", "counties", "excluded_counties", "service_areas",
            "methods", "max_price"))
        name = _("%(name)s (justerad)", name=profile.name) if needs_given else profile.name
        meta.update(profile_name=name, profile_version=profile.version)
    reqs.extend(needs_to_requirements(form.data))
    return queries.with_labels(reqs), meta


def _run(form: MatchForm, provider_ids=None):
    reqs, meta = _requirements(form)
    today = clock.today()
    snapshots = load_snapshots(db.session, today, provider_ids)
    return match(snapshots, reqs, include_critical=bool(form.include_critical.data), today=today), meta


@bp.route("/match")
@require(Permission.RUN_MATCHING)
def match_page():
    form = _match_form()
    result = meta = None
    status = 200
    if request.args.get("run"):
        if form.validate():
            result, meta = _run(form)
        else:
            status = 422
    return render_template("demand/match.html", form=form, result=result, meta=meta, need_args=_need_args(),
                           describe=describe), status


@bp.route("/match/explain/<int:provider_id>")
@require(Permission.RUN_MATCHING)
def match_explain(provider_id: int):
    form = _match_form()
    if not form.validate():
        return redirect(url_for("demand.match_page", **_need_args(), run=1))
    result, meta = _run(form, [provider_id])
    item = result.outcome_for(provider_id)
    if item is None:
        abort(404)
    return render_template("demand/explain.html", item=item, result=result, meta=meta, need_args=_need_args(),
                           describe=describe, kind_label=kind_label)


@bp.route("/match/compare")
@require(Permission.RUN_MATCHING)
def match_compare():
    form = _match_form()
    ids = sorted({int(v) for v in request.args.getlist("provider") if v.isdigit()})
    if not 2 <= len(ids) <= 3 or not form.validate():
        flash(_("Välj två eller tre utförare att jämföra."), "warning")
        return redirect(url_for("demand.match_page", **_need_args(), run=1))
    result, meta = _run(form, ids)
    items = [result.outcome_for(i) for i in ids if result.outcome_for(i) is not None]
    return render_template("demand/compare.html", items=items, result=result, meta=meta, need_args=_need_args(),
                           describe=describe)


@bp.route("/match/export.csv")
@require(Permission.RUN_MATCHING)
def match_export():
    form = _match_form()
    if not form.validate():
        return redirect(url_for("demand.match_page", **_need_args(), run=1))
    result, meta = _run(form)
    filename = f"matchning-{meta['today']}.csv"
    return Response(exports.to_csv(result, meta), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/match/print")
@require(Permission.RUN_MATCHING)
def match_print():
    form = _match_form()
    if not form.validate():
        return redirect(url_for("demand.match_page", **_need_args(), run=1))
    result, meta = _run(form)
    return render_template("demand/print.html", result=result, meta=meta, describe=describe)
