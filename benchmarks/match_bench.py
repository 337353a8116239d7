"""How long a match takes over many providers: snapshot loading (SQL) and the pure engine.

    .venv/bin/python benchmarks/match_bench.py                      # 5,000 providers, SQLite file
    .venv/bin/python benchmarks/match_bench.py --providers 10000
    .venv/bin/python benchmarks/match_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

A new database is created (and dropped for PostgreSQL) for each run; the generated providers
have licences, offered methods, reviews, flags, contract prices and checks, so every one of
the snapshot queries returns rows. Prints the median of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade

from tests.conftest import (
    count_statements,
    drop_database,
    fresh_database_url,
    make_test_app,
)
from tests.demand.factories import bulk_providers
from vendor_registry.bulkwrite import paused_gc
from vendor_registry.codes import RequirementKind as K
from vendor_registry.demand import rules, snapshot_store
from vendor_registry.demand.matching import match
from vendor_registry.demand.queries import with_labels
from vendor_registry.demand.requirements import SERVES_COUNTY_OUTSIDE, Req
from vendor_registry.demand.snapshots import load_snapshots
from vendor_registry.extensions import db

PROFILE = [
    Req(str(K.LICENCE_VALID), "protected_housing", True), Req(str(K.ACCEPTS_TARGET_GROUP), "adults", True),
    Req(str(K.THREAT_LEVEL_AT_LEAST), "medium", True), Req(SERVES_COUNTY_OUTSIDE, "01", True),
    Req(str(K.OFFERS_METHOD), "1", False, 3), Req(str(K.METHOD_EVIDENCE_AT_LEAST), "moderate", False, 2),
    Req(str(K.OFFERS_SERVICE_AREA), "trauma", False, 3), Req(str(K.SERVES_COUNTY), "12", False, 4),
    Req(str(K.PRICE_PER_DAY_AT_MOST), "3500", False, 2), Req(str(K.CHECKS_CURRENT), "true", False, 1),
    Req(str(K.REVIEWED_WITHIN_DAYS), "365", False, 1), Req(str(K.REVIEW_OUTCOME_AT_LEAST), "deficiencies", False, 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="PostgreSQL server URL (a new database is created on it)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="match-bench-"))
    if args.database_url:
        import os

        os.environ["TEST_DATABASE_URL"] = args.database_url
        url = fresh_database_url("postgresql", tmp)
    else:
        url = fresh_database_url("sqlite", tmp)
    app = make_test_app(url, tmp / "instance")
    try:
        with app.app_context():
            upgrade(revision="heads")
            started = time.perf_counter()
            bulk_providers(args.providers, seed=5)
            db.session.commit()
            print(f"backend={db.engine.dialect.name} providers={args.providers} "
                  f"generated in {time.perf_counter() - started:.1f} s")
            loads, matches, totals = [], [], []
            today = date.today()
            for _ in range(args.repeat):
                db.session.expire_all()
                # As ``queries.match_requirements`` runs it: only the facts the requirements read,
                # the collector off until the result is freed (issue 15, second pass).
                with count_statements(db.engine) as statements, paused_gc():
                    t0 = time.perf_counter()
                    reqs = with_labels(PROFILE)
                    snapshots = load_snapshots(db.session, today, reads=rules.reads(reqs))
                    t1 = time.perf_counter()
                    result = match(snapshots, reqs, today=today)
                    t2 = time.perf_counter()
                    counts = len(result.included), len(result.excluded)
                    del result, snapshots
                loads.append(t1 - t0)
                matches.append(t2 - t1)
                totals.append(t2 - t0)
            print(f"statements per match: {len(statements)}")
            print(f"included={counts[0]} excluded={counts[1]}")
            print(f"load_snapshots median {statistics.median(loads) * 1000:.0f} ms, "
                  f"match median {statistics.median(matches) * 1000:.0f} ms, "
                  f"total median {statistics.median(totals) * 1000:.0f} ms (best {min(totals) * 1000:.0f} ms)")
            # The way the match page and the API go (``queries.match_requirements``): the facts
            # kept between matches while the data stamp and the minute hold (snapshot_store).
            snapshot_store.forget()
            kept = []
            for _ in range(args.repeat + 1):
                with paused_gc():
                    t0 = time.perf_counter()
                    reqs = with_labels(PROFILE)
                    result = match(snapshot_store.every_provider(db.session, today, rules.reads(reqs)), reqs,
                                   today=today)
                    kept.append(time.perf_counter() - t0)
                    del result
            print(f"kept facts (snapshot_store): first match {kept[0] * 1000:.0f} ms (loads them), "
                  f"then median {statistics.median(kept[1:]) * 1000:.0f} ms (best {min(kept[1:]) * 1000:.0f} ms)")
            snapshot_store.forget()
            tracemalloc.start()
            snapshots = snapshot_store.every_provider(db.session, today, rules.reads(with_labels(PROFILE)))
            size = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            print(f"one kept set: {len(snapshots)} snapshots, {size / 2**20:.1f} MiB (tracemalloc, lean load)")
            del snapshots
            snapshot_store.forget()
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
