import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Anonymous readers of a published protokoll get its stored page before Django's request
# handling (portal/prerender.py, docs/portal.md "Stored pages").
from portal.prerender_wsgi import stored_pages_wsgi  # noqa: E402

application = stored_pages_wsgi(application)
