"""Where a page's server time goes: cProfile split into SQL, ORM, Jinja, Babel and the rest,
plus the query plan of each of its statements.

    .venv/bin/python benchmarks/profile_pages.py --cached 20000            # search, flag queue, match
    .venv/bin/python benchmarks/profile_pages.py --cached 20000 --top 25 /flags/

Uses side_by_side.py's cached database (or ``--database``), logs in as the demo supervisor and
profiles ``--repeat`` requests of each page after one warm-up. "SQL" is the time inside the
DB-API cursor's execute/fetch calls; "ORM" is SQLAlchemy outside them (statement compilation,
row processing, hydration of objects, type converters); "Jinja" is template rendering less
what it calls into SQL/ORM/Babel; "Babel" is gettext and formatting lookups. The plans are
SQLite's ``EXPLAIN QUERY PLAN``, with the time of each statement on a bare cursor, (or PostgreSQL's ``EXPLAIN``) of the captured SELECTs.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_bench import MATCH, make_app

DEFAULT_PAGES = ["/providers/?q=trygg&kind=protected_housing&county=12", "/flags/", MATCH]


def category(filename: str, funcname: str) -> str:
    if "sqlite3" in funcname or "psycopg" in filename or funcname in ("execute", "fetchall", "fetchone") \
            and "{method" in filename:
        return "SQL"
    if "/sqlalchemy/" in filename:
        return "ORM"
    if "/babel/" in filename or "flask_babel" in filename or "gettext" in funcname:
        return "Babel"
    if "/jinja2/" in filename or "/markupsafe/" in filename or filename.endswith(".html"):
        return "Jinja"
    if "/werkzeug/" in filename or "/flask/" in filename or "flask_" in filename:
        return "Flask/Werkzeug"
    if "/vendor_registry/" in filename:
        return "app Python"
    return "other"


def split(stats: pstats.Stats) -> dict[str, float]:
    """Self time (tottime) of every function, summed per category."""
    totals: dict[str, float] = {}
    for (filename, _line, funcname), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = category(filename, funcname)
        totals[key] = totals.get(key, 0.0) + tottime
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=DEFAULT_PAGES)
    parser.add_argument("--cached", type=int, metavar="N", default=20000)
    parser.add_argument("--database")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if not args.database:
        from side_by_side import default_cache_dir, sqlite_path

        args.database = str(sqlite_path(default_cache_dir(), args.cached))
    args.providers = 0

    from sqlalchemy import event, text

    from vendor_registry.demo.generator import DEMO_PASSWORDS
    from vendor_registry.extensions import db

    app = make_app(args, Path(tempfile.mkdtemp(prefix="profile-pages-")))
    captured: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", lambda *a: captured.append((a[2], a[3])))
    client = app.test_client()
    email = "enhetschef@demo.example.org"
    client.post("/login", data={"email": email, "password": DEMO_PASSWORDS[email]})
    for path in args.pages:
        repeat = 1 if path == MATCH else args.repeat
        client.get(path)
        captured.clear()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        total = stats.total_tt / repeat * 1000
        print(f"\n=== {path}  ({repeat} requests, {total:.0f} ms a request under the profiler)")
        for key, value in sorted(split(stats).items(), key=lambda kv: -kv[1]):
            print(f"  {key:<15} {value / repeat * 1000:8.1f} ms  {value / stats.total_tt:5.0%}")
        stats.sort_stats("tottime").print_stats(args.top)
        print(f"--- query plans ({len(captured) // repeat} statements a request)")
        with app.app_context(), db.engine.connect() as conn:
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            for statement, parameters in captured[: len(captured) // repeat]:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                raw = conn.connection.dbapi_connection.cursor()
                started = time.perf_counter()
                raw.execute(statement, parameters)
                rows = len(raw.fetchall())
                elapsed = (time.perf_counter() - started) * 1000
                print(f"  {elapsed:7.1f} ms {rows:6d} rows  " + " ".join(statement.split())[:140])
                raw.execute(prefix + statement, parameters)
                for row in raw.fetchall():
                    print("      " + " | ".join(str(v) for v in row[-1:]))
                raw.close()
            conn.execute(text("SELECT 1"))


if __name__ == "__main__":
    main()
