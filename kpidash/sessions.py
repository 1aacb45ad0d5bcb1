"""Sessions read from the shared cache and written through to the database.

Django's `cached_db` engine, except that a cache server that has gone away
never turns into an error page: the session is read from the database
instead, as it would be with no cache at all (README "Faults").
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db, db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("Cache unavailable; reading the session from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_quietly("set", self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Cache unavailable; checking the session in the database", exc_info=True)
        return db.SessionStore.exists(self, session_key)

    def delete(self, session_key=None):
        db.SessionStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cache_quietly("delete", self.cache_key_prefix + session_key)

    def _cache_quietly(self, method: str, *args) -> None:
        try:
            getattr(self._cache, method)(*args)
        except Exception:
            logger.warning("Cache unavailable; session cache %s skipped", method, exc_info=True)
