"""WhiteNoise's compressed, hashed static files, with each file's URL worked out once.

The manifest is read once when a process starts and never changes while it
runs, so the URL of `build/kpidash.css` is the same for every request; the
lookup (splitting, unquoting, the manifest, joining) costs 30-40 us a
`{% static %}` tag, five tags a page: kept because, measured again when the
cache moved to django-redis, a signed-in cached page took about 0.2 ms (8%)
more CPU without it (README "Load").
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
