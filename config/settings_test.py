"""Settings for the test suite: the project's settings with what only slows tests down removed.

PBKDF2 costs most of a second per password on the test machine, and the suite creates users by
the hundred (every factory user, every demo load), so tests hash with MD5. Nothing else changes:
the tests run against the same settings the product runs with.
"""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Warnings and errors only: INFO lines from every request and task are noise in a test run.
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
