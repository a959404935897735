"""Test support for anqi and for plugins written outside it: the fixtures are
in core/testing/pytest_plugin.py (loaded by pytest through the ``pytest11``
entry point), the helpers below are imported by the tests that use them."""
from core.testing.pytest_plugin import on_databases
from core.testing.support import (PASSWORD, PORTAL_PASSWORD, TOTP_SECRET, City, FreshClient, actor_for, credit_code,
                                  csrf_token, enable_plugin, enrol_second_factor, fresh_client, login, make_enterprise,
                                  portal_account, portal_login, quick_password_hashing, totp_code)

__all__ = ["PASSWORD", "PORTAL_PASSWORD", "TOTP_SECRET", "City", "FreshClient", "actor_for", "credit_code",
           "csrf_token", "enable_plugin", "enrol_second_factor", "fresh_client", "login", "make_enterprise",
           "on_databases", "portal_account", "portal_login", "quick_password_hashing", "totp_code"]
