"""Local development: plain HTTP on 127.0.0.1, so cookies may travel without TLS."""
from config.default import DefaultConfig


class DevelopmentConfig(DefaultConfig):
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # Plain HTTP on 127.0.0.1: no redirect to HTTPS, and no HSTS that would pin localhost to it.
    FORCE_HTTPS = False
    HSTS_MAX_AGE = 0
