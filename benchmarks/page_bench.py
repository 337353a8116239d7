"""Statements, server time and the raw SQL behind each page, in-process (Flask test client).

    python benchmarks/page_bench.py --providers 40
    python benchmarks/page_bench.py --providers 5000
    python benchmarks/page_bench.py --cached 20000     # side_by_side.py's database of 20,000 providers

Without ``--database`` a fresh SQLite file is filled with the demo-data generator (as `make run`
does) and the nightly sweeps run so that flags exist; with it, an existing database (the
side-by-side runner's, a path or a URL) is used as it is. Logged in as the demo supervisor,
each page is requested once to warm caches, then ``--repeat`` times; printed: the status, the
SQL statements per request, the median server time, the part of it spent inside SQL (between
the cursor hooks), and the same statements replayed on a bare DB-API connection ("raw SQL":
what the database needs for this page, without ORM, Python or Jinja), with the ratio of the
request to it. A page should make the same number of statements whatever N is.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

MATCH = ("/demand/match?run=1&target_group=adults&target_group_mode=mandatory&threat_level=high"
         "&threat_level_mode=mandatory&service_areas=trauma&service_areas_mode=weighted")
PAGES = [
    "/providers/",
    "/providers/?q=trygg&kind=protected_housing&county=12",
    "/providers/?kind=protected_housing&has_critical_flag=no&sort=name",
    "/providers/{provider_id}",
    "/flags/",
    "/flags/overview",
    "/api/v1/providers",
    MATCH,
    "/providers/export.csv",
    "/audit/",
]


def replay(engine, captured: list[tuple[str, object]]) -> float:
    """Seconds to run the captured SELECTs again on a bare DB-API cursor, fetching every row."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters in captured:
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                cursor.execute(statement, parameters)
                cursor.fetchall()
        elapsed = time.perf_counter() - started
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return elapsed


def make_app(args: argparse.Namespace, tmp: Path):
    from flask_migrate import upgrade

    from vendor_registry import create_app
    from vendor_registry.audit.context import acting_as, job_actor
    from vendor_registry.demo.generator import generate
    from vendor_registry.extensions import db
    from vendor_registry.flags import services
    from vendor_registry.flags.rules import rules_by_job

    url = args.database if args.database and "://" in args.database else (
        f"sqlite:///{Path(args.database).expanduser()}" if args.database else f"sqlite:///{tmp / 'bench.db'}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp / "i"), "APP_ENV": "testing",
                      "TESTING": True, "WTF_CSRF_ENABLED": False, "API_RATE_LIMIT": "1000000 per minute"})
    if args.database:
        return app
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        generate(db.session, providers=args.providers)
        db.session.commit()
        print(f"{args.providers} demo providers generated in {time.perf_counter() - started:.1f}s")
        for job, rules in rules_by_job().items():
            with acting_as(job_actor(job.value)) as actor:
                services.sweep(db.session, rules, settings=app.config, actor=actor)
                db.session.commit()
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=40)
    parser.add_argument("--database", help="use this database (SQLite path or URL) instead of generating one")
    parser.add_argument("--cached", type=int, metavar="N",
                        help="use side_by_side.py's cached SQLite database of N providers (it must exist)")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (the match page: 1)")
    args = parser.parse_args()
    if args.cached:
        from side_by_side import default_cache_dir, sqlite_path

        args.database = str(sqlite_path(default_cache_dir(), args.cached))
        if not Path(args.database).exists():
            raise SystemExit(f"no cached database {args.database}: run benchmarks/side_by_side.py first")

    from sqlalchemy import event, func, select

    from vendor_registry.auth import tokens
    from vendor_registry.auth.services import find_user
    from vendor_registry.demo.generator import DEMO_PASSWORDS
    from vendor_registry.extensions import db
    from vendor_registry.providers.models import Provider

    tmp = Path(tempfile.mkdtemp(prefix="page-bench-"))
    app = make_app(args, tmp)
    email = "enhetschef@demo.example.org"
    captured: list[tuple[str, object]] = []
    sql_time = [0.0]
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Provider))
        provider_id = db.session.scalar(select(Provider.id).order_by(Provider.id).offset(count // 2).limit(1))
        _, bearer = tokens.create_token(find_user(email), "page bench", None)
        db.session.commit()
        engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()
            captured.append((statement, parameters))

        def after(conn, cursor, statement, parameters, context, executemany):
            sql_time[0] += time.perf_counter() - conn.info.pop("bench_started")

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)

    client = app.test_client()
    client.post("/login", data={"email": email, "password": DEMO_PASSWORDS[email]})
    print(f"backend={engine.dialect.name} providers={count} repeat={args.repeat}")
    print(f"{'status':>6} {'stmts':>5} {'server ms':>9} {'in SQL':>7} {'raw SQL':>8} {'÷raw':>6} {'KiB':>6}  page")
    for template in PAGES:
        path = template.format(provider_id=provider_id)
        headers = {"Authorization": f"Bearer {bearer}"} if path.startswith("/api/") else {}
        client.get(path, headers=headers)
        times, in_sql, raws = [], [], []
        for _ in range(1 if path == MATCH else args.repeat):
            captured.clear()
            sql_time[0] = 0.0
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append(time.perf_counter() - started)
            in_sql.append(sql_time[0])
            statements = list(captured)
            with app.app_context():
                raws.append(replay(engine, statements))
        server, sql, raw = (statistics.median(v) * 1000 for v in (times, in_sql, raws))
        print(f"{response.status_code:>6} {len(statements):5d} {server:9.1f} {sql:7.1f} {raw:8.1f} "
              f"{server / raw if raw else float('nan'):6.1f} {len(response.data) / 1024:6.0f}  {path}")


if __name__ == "__main__":
    main()
