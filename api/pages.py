"""The API tokens page: a signed-in user makes, sees and revokes their own tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from api.forms import TokenForm
from api.models import ApiToken
from api.tokens import token_create, token_revoke


@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    secret, created = None, None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            form = TokenForm()  # the secret is shown on this response only: it is never stored
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "created": created,
        "secret": secret,
        "token_days": settings.KPIDASH_API_TOKEN_DAYS,
        "api_base": request.build_absolute_uri(reverse("api:committee-list")).rsplit("committees/", 1)[0],
        "nav_active": "api",
    }
    return render(request, "api/tokens.html", context, status=400 if form.errors else 200)


@require_POST
def token_revoke_view(request, pk: int):
    # Someone else's token is not found, as if it did not exist.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer reads the API.")
    return redirect("api:tokens")
