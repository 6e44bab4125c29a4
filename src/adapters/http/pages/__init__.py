"""Server-rendered pages (Jinja2 + HTMX): payments, and the organiser and desk pages."""
