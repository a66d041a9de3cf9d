"""Settings for the test suite: a throw-away data directory, tasks run immediately."""

import os
import tempfile

os.environ.setdefault("PRINTHUB_ENV", "test")
os.environ.setdefault("PRINTHUB_TASKS_BACKEND", "immediate")
os.environ.setdefault("PRINTHUB_DATA_DIR", tempfile.mkdtemp(prefix="printhub-test-"))

from printhub.site.settings import *  # noqa: F403

# Hashing passwords properly costs ~0.2 s a log-in; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Tests look at fresh pages; tests of the page cache turn it on themselves.
PAGE_CACHE_SECONDS = 0
