"""What gunicorn serves: ``gunicorn wsgi:app``."""
from vendor_registry import create_app

app = create_app()
