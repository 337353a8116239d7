from tests.providers.isolation import db_session  # noqa: F401  (a rollback that really rolls back)
