"""The reference pages the side-by-side runner measures this app against (benchmark only).

    gunicorn --pythonpath benchmarks -w 2 reference_app:admin_app   # BENCH_DATABASE_URL=...
    gunicorn --pythonpath benchmarks -w 2 reference_app:hello_app

``admin_app`` is a stock Flask-Admin ``ModelView`` list over the same ``providers`` table as
this app (searchable by name and municipality, two "contains" filters on the pipe-separated
code columns, the same page size), open without a login. It maps the table itself with plain
column types and imports nothing from ``vendor_registry``: it is what a generic admin list of
the same rows costs, not a second copy of this app. ``hello_app`` is the framework ceiling.
Both are built lazily from the environment so importing this module starts nothing.
"""
from __future__ import annotations

import os

from flask import Flask

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_SIZE = int(os.environ.get("BENCH_PAGE_SIZE", "25"))  # this app's PROVIDERS_PER_PAGE


def create_admin_app(database_url: str) -> Flask:
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select
    from sqlalchemy.orm import DeclarativeBase, column_property, mapped_column

    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    approvals = Table("provider_approvals", MetaData(), Column("provider_id", Integer),
                      Column("organisation_id", Integer), Column("status", String), Column("approved_at", DateTime))
    first_organisation = int(os.environ.get("BENCH_ORGANISATION_ID", "1"))

    def _approval_value(column, provider_id):
        return (select(column).where(approvals.c.provider_id == provider_id,
                                     approvals.c.organisation_id == first_organisation).scalar_subquery())

    class Provider(db.Model):  # type: ignore[name-defined]
        # Unannotated columns: the annotations of a class built inside a function cannot be resolved.
        __tablename__ = "providers"
        id = mapped_column(Integer, primary_key=True)
        org_number = mapped_column(String(10))
        name = mapped_column(String(200))
        kinds = mapped_column(String)
        ownership = mapped_column(String)
        municipality = mapped_column(String(100))
        county = mapped_column(String(2))
        counties_served = mapped_column(String)
        # Approval is per organisation (issue 14): the first organisation's, which the runner
        # signs in as, read the way a generic admin view would (a correlated subquery a column).
        status = column_property(_approval_value(approvals.c.status, id))
        approved_at = column_property(_approval_value(approvals.c.approved_at, id))

    class ProviderView(ModelView):
        can_create = can_edit = can_delete = False
        page_size = PAGE_SIZE
        column_list = ("name", "org_number", "kinds", "ownership", "municipality", "county", "status", "approved_at")
        column_searchable_list = ("name", "municipality")
        column_filters = ("kinds", "counties_served")
        column_default_sort = "name"
        named_filter_urls = True

    # root_path: not the repository top, whose templates/ would shadow Flask-Admin's own.
    app = Flask("reference_admin", root_path=HERE)
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="benchmark-only-not-a-secret")
    db.init_app(app)
    from flask_babel import Babel

    Babel(app)  # Flask-Admin translates through Flask-Babel whenever it is installed
    admin = Admin(app, name="reference")
    admin.add_view(ProviderView(Provider, db.session, name="Providers", endpoint="provider"))
    return app


def create_hello_app() -> Flask:
    app = Flask("hello", root_path=HERE)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def __getattr__(name: str) -> Flask:
    """gunicorn looks up ``admin_app`` / ``hello_app``: build them on first access only."""
    if name == "admin_app":
        return create_admin_app(os.environ["BENCH_DATABASE_URL"])
    if name == "hello_app":
        return create_hello_app()
    raise AttributeError(name)
