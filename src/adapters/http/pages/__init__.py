"""Server-rendered pages (Jinja2 templates): the payment pages for now."""
