"""One load tool for every server the side-by-side runner drives: wrk, or a Python fallback.

wrk (Debian's package) is preferred: it is the tool of issue 15's numbers and it does not share
the Python interpreter's limits, so the hello-world ceiling it reports is the server's. The
fallback (threads with keep-alive ``http.client`` connections) is bounded by ``duration`` and
is what the smoke test uses when wrk is missing; its ceiling is lower, so ratios to hello world
from it understate this app.
"""
from __future__ import annotations

import http.client
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# Exact percentiles from wrk's own histogram (its text output rounds to 2 digits).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %.0f %.0f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class Result:
    requests: int
    seconds: float
    errors: int  # connect/read/write/timeout
    bad_status: int  # responses other than 2xx/3xx
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, headers: dict[str, str], duration: float, connections: int, threads: int = 2,
            timeout: float = 60.0) -> Result:
    script = Path(tempfile.mkstemp(suffix=".lua", prefix="bench-")[1])
    script.write_text(WRK_REPORT)
    try:
        cmd = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration:g}s",
               f"--timeout={timeout:g}s", "-s", str(script)]
        for name, value in headers.items():
            cmd += ["-H", f"{name}: {value}"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=False,
                             timeout=duration + timeout + 30).stdout
    finally:
        script.unlink(missing_ok=True)
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary for {url}:\n{out}")
    requests, micros, errors, bad, p50, p99 = (float(v) for v in line.split()[1:])
    if not requests:  # nothing finished within the round: no latency to speak of
        p50 = p99 = float("nan")
    return Result(int(requests), micros / 1e6, int(errors), int(bad), p50 / 1000, p99 / 1000)


def run_python(url: str, headers: dict[str, str], duration: float, connections: int,
               timeout: float = 60.0) -> Result:
    """Closed-loop load: each of ``connections`` threads sends the next request when the last
    answered, until ``duration`` has passed. Requests still running then are not counted."""
    parsed = http.client.urlsplit(url)
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    latencies: list[float] = []
    counts = {"errors": 0, "bad": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    def worker() -> None:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
                continue
            elapsed = time.perf_counter() - started
            if time.perf_counter() > deadline:
                break
            with lock:
                latencies.append(elapsed)
                if status >= 400:
                    counts["bad"] += 1
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(duration + timeout)
    seconds = min(time.perf_counter() - started, duration) or duration
    if not latencies:
        return Result(0, seconds, counts["errors"], counts["bad"], float("nan"), float("nan"))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else latencies * 99
    return Result(len(latencies), seconds, counts["errors"], counts["bad"],
                  statistics.median(latencies) * 1000, cuts[98] * 1000)


def drive(driver: str, url: str, headers: dict[str, str], duration: float, connections: int) -> Result:
    if driver == "wrk":
        return run_wrk(url, headers, duration, connections)
    return run_python(url, headers, duration, connections)
