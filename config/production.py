"""Production: no secret defaults; the app refuses to start without SECRET_KEY and DATABASE_URL."""
from config.default import DefaultConfig


class ProductionConfig(DefaultConfig):
    REQUIRED_FROM_ENVIRONMENT = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")
