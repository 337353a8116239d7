"""Memory and time of parsing a real XLSX zip bomb, with and without the extract limits.

Issue 16: a crafted XLSX made a worker grow from 220 MB to 655 MB within minutes. This builds
one (a small file whose sheet inflates to SIZE bytes of rows, no <dimension>) and parses it in
a fresh process, once with the configured default limits and once with every limit lifted,
printing the outcome, the time and the peak RSS before -> after.

    .venv/bin/python benchmarks/extract_bomb.py [SIZE]      # default 60000000
"""
from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(mode: str, size: int) -> str:
    from checks.extract import parse_extract
    from checks.extract_limits import ExtractLimits, ExtractRefused
    from tests.checks.hostile import real_bomb

    bomb = real_bomb(size)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    limits = ExtractLimits() if mode == "limits" else ExtractLimits(
        max_bytes=10**12, max_rows=10**9, max_uncompressed_bytes=10**12, max_zip_entries=10**6)
    started = time.perf_counter()
    try:
        outcome = f"parsed {len(parse_extract(bomb, None, limits).rows)} rows"
    except ExtractRefused as refused:
        outcome = f"refused ({refused.reason})"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return (f"{mode:>9}: {len(bomb) // 1024} kB file, {outcome} in {time.perf_counter() - started:.2f} s, "
            f"peak RSS {before} -> {after} MB")


def main() -> None:
    if len(sys.argv) > 2:  # the child: one measurement in a fresh process
        print(measure(sys.argv[1], int(sys.argv[2])))
        return
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 60_000_000
    for mode in ("limits", "nolimits"):
        subprocess.run([sys.executable, __file__, mode, str(size)], check=True)


if __name__ == "__main__":
    main()
