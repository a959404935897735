"""Test support for anqi and for plugins written outside it: the fixtures are
in core/testing/pytest_plugin.py (loaded by pytest through the ``pytest11``
entry point), the helpers below are imported by the tests that use them."""
from core.testing.pytest_plugin import on_databases
from core.testing.support import (PASSWORD, TOTP_SECRET, City, FreshClient, actor_for, csrf_token,
                                  enrol_second_factor, fresh_client, login, quick_password_hashing, totp_code)

__all__ = ["PASSWORD", "TOTP_SECRET", "City", "FreshClient", "actor_for", "csrf_token", "enrol_second_factor",
           "fresh_client", "login", "on_databases", "quick_password_hashing", "totp_code"]
