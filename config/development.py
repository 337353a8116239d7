"""Local development: plain HTTP on 127.0.0.1, so cookies may travel without TLS."""
from config.default import DefaultConfig


class DevelopmentConfig(DefaultConfig):
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
