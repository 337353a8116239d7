"""Review pages: record, edit, and mark a required action completed. Thin: validate → service → commit."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from vendor_registry import editing
from vendor_registry.auth.permissions import Permission, require
from vendor_registry.background_checks.evidence import document_choices
from vendor_registry.organisations.queries import names_by_id
from vendor_registry.providers.queries import get_provider_or_404
from vendor_registry.reviews import queries, services
from vendor_registry.reviews.forms import PublishForm, ReviewForm

bp = Blueprint("reviews", __name__)

_MAY_RECORD = (Permission.RECORD_REVIEW, Permission.RECORD_PLACEMENT_FOLLOW_UP)


def _render(form: ReviewForm, provider, review=None, stale=None, status: int = 200):
    return render_template("reviews/form.html", form=form, provider=provider, review=review, stale=stale), status


@bp.route("/providers/<int:provider_id>/reviews/new", methods=["GET", "POST"])
@require(*_MAY_RECORD)
def create(provider_id: int):
    provider = get_provider_or_404(provider_id)
    form = ReviewForm(kinds=services.allowed_kinds(current_user), contracts=queries.contracts_of(provider.id),
                      evidence_choices=document_choices(provider.id, current_user))
    if request.method == "POST" and form.add_action.data:
        form.actions.append_entry()
        return _render(form, provider)
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.create_review(provider, form.to_data()),
                               _("Uppföljningen är registrerad."))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=provider.id))
    return _render(form, provider, status=editing.page_status(form))


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@require(*_MAY_RECORD)
def edit(review_id: int):
    review = queries.get_review_or_404(review_id)
    if not services.may_record(current_user, review.kind):
        abort(403)
    kinds = services.allowed_kinds(current_user)
    contracts = queries.contracts_of(review.provider_id)
    options = document_choices(review.provider_id, current_user, review.evidence_document_id)
    if request.method == "GET":
        form = ReviewForm(obj=review, data=ReviewForm.initial_from(review), kinds=kinds, contracts=contracts,
                          evidence_choices=options)
        form.actions.append_entry()  # one empty row to add an action without another round trip
    else:
        form = ReviewForm(kinds=kinds, contracts=contracts, evidence_choices=options)
    if request.method == "POST" and form.add_action.data:
        form.actions.append_entry()
        return _render(form, review.provider, review)
    stale = None
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.update_review(review, form.to_data(), form.version.data),
                               _("Ändringarna är sparade."))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=review.provider_id))
        stale = outcome.stale
    return _render(form, review.provider, review, stale, editing.page_status(form, stale))


@bp.route("/reviews/actions/<int:action_id>/complete", methods=["POST"])
@require(*_MAY_RECORD)
def complete_action(action_id: int):
    action = queries.get_action_or_404(action_id)
    editing.delete(lambda: services.complete_action(action, request.form.get("version")),
                   _("Åtgärden är markerad som genomförd."),
                   lambda exc: _("Åtgärden ändrades av %(who)s %(when)s. Kontrollera den och försök igen.",
                                 who=exc.changed_by or _("okänd"), when=_format_when(exc.changed_at)))
    return redirect(url_for("reviews.edit", review_id=action.review_id)), 303


@bp.route("/reviews/<int:review_id>/publish", methods=["GET", "POST"])
@require(Permission.RECORD_REVIEW)
def publish(review_id: int):
    """Show what the other organisations would see, then publish it (or refresh what they see)."""
    review = queries.get_review_or_404(review_id)  # an own record: another organisation's is 404
    if not services.may_publish(current_user, review):
        abort(403)
    form = PublishForm(data={"include_summary": review.publication is None or review.publication.summary is not None}
                       if request.method == "GET" else None)
    if form.validate_on_submit():
        outcome = editing.save(form, lambda: services.publish_review(review, include_summary=form.include_summary.data),
                               _("Uppföljningen är publicerad för andra organisationer."))
        if outcome.saved:
            return redirect(url_for("providers.detail", provider_id=review.provider_id, _anchor="reviews"))
    publisher_name = names_by_id({review.organisation_id}).get(review.organisation_id, "")
    return render_template("reviews/publish.html", form=form, review=review, provider=review.provider,
                           publisher_name=publisher_name), editing.page_status(form)


@bp.route("/reviews/<int:review_id>/unpublish", methods=["POST"])
@require(Permission.RECORD_REVIEW)
def unpublish(review_id: int):
    review = queries.get_review_or_404(review_id)
    form = PublishForm()  # the CSRF token only
    if not form.validate_on_submit():
        abort(400)
    editing.delete(lambda: services.unpublish_review(review),
                   _("Publiceringen är tillbakadragen: andra organisationer ser inte längre uppföljningen."), "")
    return redirect(url_for("providers.detail", provider_id=review.provider_id, _anchor="reviews")), 303


@bp.route("/published-reviews/<int:published_id>")
@require(Permission.VIEW_PROVIDERS)
def published(published_id: int):
    """A review another organisation published (a shared record: every organisation may read it)."""
    item = queries.get_published_or_404(published_id)
    return render_template("reviews/published.html", item=item, provider=item.provider,
                           own=item.publisher_organisation_id == current_user.organisation_id)


def _format_when(value) -> str:
    from vendor_registry.formatting import format_datetime

    return format_datetime(value) if value else ""
