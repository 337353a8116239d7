"""The start page after login."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import func, select

from vendor_registry.auth.permissions import public, require
from vendor_registry.extensions import db
from vendor_registry.providers.models import Provider

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@public
def root():
    return redirect(url_for("dashboard.index"))


@bp.route("/start")
@require()
def index():
    counts = dict(db.session.execute(select(Provider.status, func.count()).group_by(Provider.status)).all())
    return render_template("dashboard/index.html", status_counts=counts)
