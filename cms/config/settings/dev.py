"""Local development and `make demo`: debug on, everything on this machine."""
from .base import *  # noqa: F401,F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
