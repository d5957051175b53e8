"""The test suite: fast password hashing, media in a throw-away folder, same database rules as dev."""
import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403

DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="vda-test-media-"))
SERVE_MEDIA = True
RECEIPTS_ROOT = Path(os.environ.get("RECEIPTS_ROOT") or tempfile.mkdtemp(prefix="vda-test-receipts-"))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: the live-server thread (webhooks from localstripe) then has its own connection,
    # as every process has in production, instead of sharing the test thread's.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"vda-test-{os.getpid()}.sqlite3")}  # noqa: F405
