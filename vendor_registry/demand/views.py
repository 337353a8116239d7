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

from vendor_registry import clock, editing
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.bulkwrite import paused_gc
from vendor_registry.codes import RequirementKind
from vendor_registry.demand import exports, matching, queries, services
from vendor_registry.demand.forms import MatchForm, ProfileForm
from vendor_registry.demand.pickers import UNCHOSEN, value_pickers
from vendor_registry.demand.requirements import (
    AD_HOC_WEIGHT,
    Req,
    describe,
    kind_label,
    label_choices,
    needs_to_requirements,
)
from vendor_registry.extensions import db
from vendor_registry.methods.queries import active_methods, service_area_choices
from vendor_registry.organisations.tenancy import current_organisation_id
from vendor_registry.pagecache import cached_page
from vendor_registry.parsing import record_id, record_ids
from vendor_registry.reviews.queries import published_summary

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


def _rows(form: ProfileForm) -> editing.RowMap:
    """The service numbers only the rows it was given (blank rows are dropped)."""
    return {"requirements": [i for i, _row in form.kept_rows()]}


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
        outcome = editing.save(
            form, lambda: services.create_profile(form.name.data, form.description.data, form.requirement_dicts()),
            lambda profile: _("Kravprofilen %(name)s är skapad.", name=profile.name), rows=_rows(form))
        if outcome.saved:
            return redirect(url_for("demand.profile_detail", profile_id=outcome.result.id))
    return _editor(form, None, status=editing.page_status(form))


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
        outcome = editing.save(
            form, lambda: services.update_profile(profile, form.name.data, form.description.data,
                                                  form.requirement_dicts(), form.version.data),
            lambda saved: _("Ändringarna är sparade. Profilen har nu version %(v)s.", v=saved.version),
            rows=_rows(form))
        if outcome.saved:
            return redirect(url_for("demand.profile_detail", profile_id=profile.id))
        stale = outcome.stale
    return _editor(form, profile, stale, editing.page_status(form, stale))


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
    editing.delete(lambda: services.retire_profile(profile, request.form.get("version"), retire=retire),
                   _("Profilen är avvecklad.") if retire else _("Profilen är aktiv igen."),
                   _("Profilen har ändrats av någon annan under tiden. Kontrollera den och försök igen."))
    return redirect(url_for("demand.profile_detail", profile_id=profile.id))


# --- matching -------------------------------------------------------------------------------

def _match_form() -> MatchForm:
    form = MatchForm(request.args, profiles=queries.list_profiles(), methods=active_methods(),
                     areas=service_area_choices())
    chosen = queries.get_profile(profile_id) if (profile_id := record_id(form.profile.data)) else None
    form.set_profile_requirements([describe(r) for r in queries.profile_requirements(chosen)] if chosen else [])
    return form


def _need_args() -> dict[str, list[str]]:
    return {k: v for k, v in request.args.to_dict(flat=False).items() if k not in PAGE_KEYS}


def _requirements(form: MatchForm):
    """The unsaved profile: a saved profile's requirements (if chosen) plus the needs."""
    reqs, meta = [], {"profile_name": _("Ad hoc-behov"), "profile_version": "", "today": clock.today().isoformat()}
    if form.profile.data:
        profile = queries.get_profile(profile_id) if (profile_id := record_id(form.profile.data)) else None
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
    return queries.match_requirements(reqs, include_critical=bool(form.include_critical.data),
                                      provider_ids=provider_ids, labelled=True), meta


@bp.route("/match")
@require(Permission.RUN_MATCHING)
@cached_page()
def match_page():
    # The collector stays off until the 20,000-provider result is freed: objects made while it
    # was off are all in the youngest generation, so the first collection after would walk
    # them (~0.1 s per request while rendering, issue 15).
    with paused_gc():
        return _match_page()


def _match_page():
    form = _match_form()
    result = meta = None
    status = 200
    if request.args.get("run"):
        if form.validate():
            result, meta = _run(form)
        else:
            status = 422
    page = matching.page_of(result) if result else None
    del result
    return render_template("demand/match.html", form=form, result=page, meta=meta, need_args=_need_args(),
                           describe=describe, shown=matching.SHOWN, rest_reasons=page.rest_reasons if page else []), status


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
    # what the other organisations published about it (shared on purpose): one statement
    published = published_summary(provider_id, excluding_organisation_id=current_organisation_id())
    return render_template("demand/explain.html", item=item, result=result, meta=meta, need_args=_need_args(),
                           describe=describe, kind_label=kind_label, published=published)


@bp.route("/match/compare")
@require(Permission.RUN_MATCHING)
def match_compare():
    form = _match_form()
    ids = sorted(record_ids(request.args.getlist("provider")))
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
