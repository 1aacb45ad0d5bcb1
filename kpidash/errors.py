"""The 404 handler (`handler404`): the public site's own page under /public/, the intranet's elsewhere.

Wiring only: it picks which app's page answers, so a member of the public who
mistypes an address stays in the public site's frame (no intranet navigation,
no "Signed in as", whoever looks), as on every public page.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from indicators import views as intranet
from public import views as public


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Switched off, the public site has no pages, so not its frame either: the intranet's plain 404.
    if settings.KPIDASH_PUBLIC_SITE and request.path.startswith(reverse("public:index")):
        return public.not_found(request, exception)
    return intranet.page_not_found(request, exception)
