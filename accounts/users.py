"""The signed-in user from the cache, rather than a query on every request.

Django's backends load the user from the database on every request (a query
that, on a warm page, cost about as much as the rest of the page's database
work). Here, when the cache is shared by every process (Redis: REDIS_URL set),
the user's row is kept in it, without the password hash, under a per-user
generation token:

- Saving or deleting the user replaces the token with a new random one when
  the change commits, so the next request, in any process, reads the database.
- A reader that loaded the row just before a change and stores it just after
  stores it under the old token, which nobody accepts again.
- A token the cache has lost (evicted, or Redis restarted) is replaced by a new
  random one before the database is read, so a surviving copy never matches.
- Entries expire after USER_CACHE_SECONDS, which bounds what a change whose
  token could not be replaced (the cache down at that moment) can leave behind.

The password hash stays out of the cache: Django checks each request's session
against the user's session hash, so the entry keeps that hash (and those for
SECRET_KEY_FALLBACKS) instead, and the rebuilt user loads its password from the
database only if something asks for it (the admin's password change does). A
deactivated user is refused by the backends; a changed password ends other
sessions at their next request.

With a per-process cache (no Redis) a change made in one process would not
reach the others, so the user comes from the database there, as in Django.
The same round trip to the cache fetches the user's cached roles
(accounts.roles), so a warm page asks the cache once for both.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save

from accounts import roles

USER_CACHE_SECONDS = 60


def _generation_key(pk) -> str:
    return f"kpidash:user-generation:{pk}"


def _user_key(pk) -> str:
    # The entry holds session hashes made with the secret keys: new keys, new entries.
    return f"kpidash:user:{pk}:{_keys_digest()}"


def _keys_digest() -> str:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]


def cached_user(pk):
    """The user with this primary key, or None; from the cache when it holds the current row."""
    if not settings.KPIDASH_SHARED_CACHE:
        return _from_database(pk)
    generation_key, user_key = _generation_key(pk), _user_key(pk)
    # A Redis that is down or hung reads as a miss (IGNORE_EXCEPTIONS): the user comes from the database.
    found = cache.get_many([generation_key, user_key, *roles.cache_keys(pk)])
    generation, entry = found.get(generation_key), found.get(user_key)
    if generation is not None and entry is not None and entry[0] == generation:
        user = _rebuilt(get_user_model(), *entry[1:])
    else:
        if generation is None:  # before reading the row, so a change committed meanwhile makes it stale
            generation = _fresh_generation(generation_key)
        user = _from_database(pk)
        _keep(user, generation, user_key)
    if user is not None:
        roles.prime(user, found)
    return user


def _from_database(pk):
    return get_user_model()._default_manager.filter(pk=pk).first()


def _fresh_generation(generation_key: str) -> str | None:
    """The user's generation, made now when it was lost or never made: a token no stored copy carries."""
    cache.add(generation_key, secrets.token_hex(8), timeout=None)
    return cache.get(generation_key)


def _keep(user, generation: str | None, user_key: str) -> None:
    if user is None or generation is None:
        return
    cache.set(user_key, (generation, *_kept(user)), USER_CACHE_SECONDS)


def _kept(user) -> tuple:
    """What the cache keeps of a user: every field but the password, and its session hashes."""
    names = tuple(f.attname for f in user._meta.concrete_fields if f.attname != "password")
    fallbacks = tuple(user.get_session_auth_fallback_hash())
    return names, tuple(getattr(user, name) for name in names), user.get_session_auth_hash(), fallbacks


def _rebuilt(model, names, values, session_hash, fallback_hashes):
    """The user as the database would give it with the password deferred (loaded if asked for).

    Its session hashes are the kept ones until the password is loaded or set
    (a password change), and from then on worked out from it as Django does.
    """
    user = model.from_db(DEFAULT_DB_ALIAS, names, values)

    def get_session_auth_hash():
        return model.get_session_auth_hash(user) if "password" in user.__dict__ else session_hash

    def get_session_auth_fallback_hash():
        return model.get_session_auth_fallback_hash(user) if "password" in user.__dict__ else iter(fallback_hashes)

    user.get_session_auth_hash = get_session_auth_hash
    user.get_session_auth_fallback_hash = get_session_auth_fallback_hash
    return user


def forget_user(sender, instance, **kwargs) -> None:
    """Make the cached copy of this user stale once the change is committed."""
    pk = instance.pk  # read now: Django clears a deleted instance's pk before the commit
    transaction.on_commit(lambda: _next_generation(pk))


def _next_generation(pk) -> None:
    # With Redis away this is skipped (and logged, kpidash/redis_cache.py): a cached copy lives until it expires.
    cache.set(_generation_key(pk), secrets.token_hex(8), timeout=None)
    cache.delete(_user_key(pk))


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
