"""Tests: in-memory defaults; the test fixtures set the database URL."""
import secrets

from config.default import DefaultConfig


class TestingConfig(DefaultConfig):
    TESTING = True
    SECRET_KEY = secrets.token_hex(32)  # fresh per test process
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    FORCE_HTTPS = False  # the test client and the browser tests speak plain HTTP
    HSTS_MAX_AGE = 0
