"""The shared HTTP layer, over real loopback HTTP: timeouts, retries, caps, limiter, robots."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from werkzeug import Response

from checks.http import (
    RateLimiter,
    ResponseTooLarge,
    RobotsDisallowed,
    RobotsUnavailable,
    SourceTimeout,
    SourceUnreachable,
    ensure_robots_allowed,
    fetch,
    make_session,
    shared_rate_limiter,
)


class FakeClock:
    """Time that moves only when someone sleeps, so spacing is measured exactly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


# --- rate limiter -----------------------------------------------------------------------


def test_limiter_spaces_requests_one_second_apart_at_60_per_minute():
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(5):
        limiter.acquire()
        starts.append(clock.now)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(starts)]
    assert gaps == [1.0, 1.0, 1.0, 1.0]
    assert clock.sleeps[0] == pytest.approx(1.0)  # the first call is free, the second waits


def test_limiter_does_not_wait_when_calls_are_already_spaced():
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 5
    assert limiter.acquire() == 0.0
    assert clock.sleeps == []


def test_limiter_burst_allows_that_many_then_spaces():
    clock = FakeClock()
    limiter = RateLimiter(60, burst=3, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(1.0) and waits[4] == pytest.approx(1.0)


def test_limiter_is_thread_safe_no_two_threads_share_a_slot():
    limiter = RateLimiter(1200)  # 50 ms interval, real clock
    times: list[float] = []
    lock = threading.Lock()

    def worker():
        limiter.acquire()
        with lock:
            times.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    assert times[-1] - times[0] >= 5 * 0.05 * 0.9


def test_shared_limiter_is_one_per_source_key():
    a = shared_rate_limiter("test-source", 60)
    b = shared_rate_limiter("test-source", 60)
    assert a is b
    assert make_session(rate_limit_per_minute=60, rate_limit_key="test-source").rate_limiter is a


def test_session_waits_for_its_limiter_on_every_request(httpserver, fast_session):
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock, sleep=clock.sleep)
    httpserver.expect_request("/ping").respond_with_data("ok")
    session = fast_session(rate_limiter=limiter)
    for _ in range(3):
        assert fetch(session, "GET", httpserver.url_for("/ping")).status == 200
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(1.0)]


# --- fetch ------------------------------------------------------------------------------


def test_user_agent_and_body_are_passed(httpserver, fast_session):
    httpserver.expect_request(
        "/ua", headers={"User-Agent": "vendor-registry/1.0 (+municipal provider registry)"}
    ).respond_with_data("hej", content_type="text/plain; charset=utf-8")
    answer = fetch(fast_session(), "GET", httpserver.url_for("/ua"))
    assert answer.status == 200 and answer.text() == "hej"


def test_text_falls_back_to_cp1252_when_not_utf8(httpserver, fast_session):
    httpserver.expect_request("/latin").respond_with_data("Gällande".encode("cp1252"),
                                                           content_type="text/html")
    assert fetch(fast_session(), "GET", httpserver.url_for("/latin")).text() == "Gällande"


def test_declared_length_over_cap_is_refused_before_reading(httpserver, fast_session):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(ResponseTooLarge, match="för stort"):
        fetch(fast_session(max_bytes=1000), "GET", httpserver.url_for("/big"))


def test_streamed_body_over_cap_is_cut_off(httpserver, fast_session):
    def stream(_request):
        return Response((b"y" * 1000 for _ in range(100)), content_type="text/html")

    httpserver.expect_request("/stream").respond_with_handler(stream)
    with pytest.raises(ResponseTooLarge):
        fetch(fast_session(max_bytes=10_000), "GET", httpserver.url_for("/stream"))


def test_connection_refused_is_unreachable(closed_port_url, fast_session):
    started = time.monotonic()
    with pytest.raises(SourceUnreachable, match="Kunde inte ansluta"):
        fetch(fast_session(), "GET", closed_port_url + "/x")
    assert time.monotonic() - started < 3


def test_read_timeout_is_reported_as_timeout(threaded_server, fast_session):
    def slow(_request):
        time.sleep(1.0)
        return Response("late")

    threaded_server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(SourceTimeout, match="tidsgränsen"):
        fetch(fast_session(read_timeout=0.2, retries=1), "GET", threaded_server.url_for("/slow"))
    assert time.monotonic() - started < 1.5


def test_get_is_retried_after_500(httpserver, fast_session):
    httpserver.expect_oneshot_request("/flaky").respond_with_data("oops", status=500)
    httpserver.expect_request("/flaky").respond_with_data("fine")
    answer = fetch(fast_session(), "GET", httpserver.url_for("/flaky"))
    assert answer.status == 200 and answer.body == b"fine"
    assert len(httpserver.log) == 2


def test_retry_after_is_honoured(httpserver, fast_session):
    httpserver.expect_oneshot_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"})
    httpserver.expect_request("/busy").respond_with_data("ok")
    started = time.monotonic()
    answer = fetch(fast_session(), "GET", httpserver.url_for("/busy"))
    assert answer.status == 200
    assert time.monotonic() - started >= 0.95


def test_retry_after_beyond_cap_is_not_waited_for(httpserver, fast_session):
    httpserver.expect_request("/later").respond_with_data(
        "come back in an hour", status=503, headers={"Retry-After": "3600"})
    started = time.monotonic()
    answer = fetch(fast_session(retry_after_cap=2.0), "GET", httpserver.url_for("/later"))
    assert answer.status == 503
    assert time.monotonic() - started < 1
    assert len(httpserver.log) == 1


def test_post_is_not_retried_after_500(httpserver, fast_session):
    httpserver.expect_request("/post", method="POST").respond_with_data("boom", status=500)
    answer = fetch(fast_session(), "POST", httpserver.url_for("/post"), json={"a": 1})
    assert answer.status == 500
    assert len(httpserver.log) == 1


def test_post_is_retried_on_429_with_retry_after(httpserver, fast_session):
    httpserver.expect_oneshot_request("/post", method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "0"})
    httpserver.expect_request("/post", method="POST").respond_with_data("done")
    answer = fetch(fast_session(), "POST", httpserver.url_for("/post"), json={"a": 1})
    assert answer.status == 200 and len(httpserver.log) == 2


def test_post_429_without_retry_after_is_not_retried(httpserver, fast_session):
    httpserver.expect_request("/post", method="POST").respond_with_data("", status=429)
    answer = fetch(fast_session(), "POST", httpserver.url_for("/post"), json={})
    assert answer.status == 429 and len(httpserver.log) == 1


def test_timeout_is_always_applied_even_when_caller_passes_none(fast_session):
    session = fast_session(connect_timeout=1.5, read_timeout=2.5)
    assert session.timeout == (1.5, 2.5)


# --- robots.txt -------------------------------------------------------------------------


def test_robots_disallow_blocks_the_page(httpserver, fast_session):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /register/\n")
    with pytest.raises(RobotsDisallowed, match="robots.txt"):
        ensure_robots_allowed(fast_session(), httpserver.url_for("/register/sok?orgnr=1"))


def test_robots_is_fetched_once_per_host(httpserver, fast_session):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /x\n")
    session = fast_session()
    for path in ("/a", "/b", "/c"):
        ensure_robots_allowed(session, httpserver.url_for(path))
    assert sum(1 for req, _ in httpserver.log if req.path == "/robots.txt") == 1


def test_robots_rules_for_our_agent_apply(httpserver, fast_session):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: vendor-registry\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    with pytest.raises(RobotsDisallowed):
        ensure_robots_allowed(fast_session(), httpserver.url_for("/anything"))


@pytest.mark.parametrize("status", [404, 403, 410])
def test_robots_4xx_means_no_rules(httpserver, fast_session, status):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=status)
    ensure_robots_allowed(fast_session(), httpserver.url_for("/register"))  # does not raise


def test_robots_5xx_means_fetch_nothing(httpserver, fast_session):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=500)
    with pytest.raises(RobotsUnavailable, match="kunde inte läsas"):
        ensure_robots_allowed(fast_session(retries=0), httpserver.url_for("/register"))
    assert not any(req.path == "/register" for req, _ in httpserver.log)


def test_robots_unreachable_means_fetch_nothing(closed_port_url, fast_session):
    with pytest.raises(RobotsUnavailable):
        ensure_robots_allowed(fast_session(retries=0), closed_port_url + "/register")
