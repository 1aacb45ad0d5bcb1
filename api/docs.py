"""The browsable docs (Swagger UI), served from this site under the site's Content-Security-Policy.

Swagger UI's files come from drf-spectacular-sidecar (static files, no CDN), its
start-up script from a URL of its own rather than inline, and the page template
has no inline style, so `script-src 'self'; style-src 'self'` lets it run.
Signed-in users only, like every page (api/urls.py wraps it in login_required).
"""

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated


class ApiDocs(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "kpidash API"
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
