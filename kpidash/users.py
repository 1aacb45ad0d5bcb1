"""The signed-in user from the cache, rather than a query on every request.

Django's backends load the user from the database on every request (a query
that, on a warm page, cost about as much as the rest of the page's database
work). Here the user row is kept in the cache under a per-user generation:
saving or deleting the user moves that generation on when the change commits,
so the next request reads the database again. A reader that loaded the row
just before a change and stores it just after stores it under the old
generation, which no one accepts, so a stale copy is never served.

Django still checks the session's password hash against the user on every
request, so changing a password signs out other sessions at once, and the
backends still refuse an inactive user. Entries also expire after
USER_CACHE_SECONDS. With the cache down, the user comes from the database.
The same round trip to the cache fetches the user's cached roles
(indicators.roles), so a warm page asks the cache once for both.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from indicators import roles

USER_CACHE_SECONDS = 300


def _generation_key(pk) -> str:
    return f"kpidash:user-generation:{pk}"


def _user_key(pk) -> str:
    return f"kpidash:user:{pk}"


def cached_user(pk):
    """The user with this primary key, or None; from the cache when it holds the current row."""
    model = get_user_model()
    role_keys = roles.cache_keys(pk)
    try:
        found = cache.get_many([_generation_key(pk), _user_key(pk), *role_keys])
    except Exception:  # the cache server is down: ask the database
        found = {}
    generation, entry = found.get(_generation_key(pk), 0), found.get(_user_key(pk))
    if entry is not None and entry[0] == generation:
        user = entry[1]
    else:
        try:
            user = model._default_manager.get(pk=pk)
        except model.DoesNotExist:
            return None
        try:
            cache.set(_user_key(pk), (generation, user), USER_CACHE_SECONDS)
        except Exception:
            pass
    roles.prime(user, found)
    return user


def forget_user(sender, instance, **kwargs) -> None:
    """Make the cached copy of this user stale once the change is committed."""
    transaction.on_commit(lambda: _next_generation(instance.pk))


def _next_generation(pk) -> None:
    try:
        cache.add(_generation_key(pk), 0, timeout=None)
        cache.incr(_generation_key(pk))
    except Exception:  # the cache is down: nothing is being served from it
        pass


def connect_user_signals() -> None:
    model = get_user_model()
    post_save.connect(forget_user, sender=model, dispatch_uid="cached-user-save")
    post_delete.connect(forget_user, sender=model, dispatch_uid="cached-user-delete")


class CachedUserMixin:
    """For an authentication backend: `get_user` reads `cached_user` and refuses inactive users."""

    def get_user(self, user_id):
        user = cached_user(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
