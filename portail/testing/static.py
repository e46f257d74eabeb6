"""Static files listed once per test run instead of once per test client.

WhiteNoise's middleware lists every static file of every app (and works out each one's headers) when it
is built; Django builds the middleware chain again for every test client, so each test using a client
paid for a walk over some 1,600 files. The files do not change during a run: the first listing is kept
and reused by every middleware built with the same settings. Serving, headers and file contents are
WhiteNoise's own, unchanged.
"""
from django.conf import settings


def _settings_key(middleware) -> tuple:
    names = sorted(name for name in dir(settings) if name.startswith(("WHITENOISE_", "STATIC")))
    return (middleware.static_prefix, tuple(settings.INSTALLED_APPS),
            *((name, repr(getattr(settings, name))) for name in names))


def list_static_files_once() -> None:
    from whitenoise.middleware import WhiteNoiseMiddleware

    if getattr(WhiteNoiseMiddleware, "_listed_once", False):
        return
    listed: dict[tuple, dict] = {}
    original = WhiteNoiseMiddleware.add_files_from_finders

    def add_files_from_finders(self):
        key = _settings_key(self)
        if key not in listed:
            before = dict(self.files)
            original(self)
            listed[key] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        else:
            self.files.update(listed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders
    WhiteNoiseMiddleware._listed_once = True
