"""The suite's fixtures (``app``, ``make_app``, ``client``, ``city``,
``database_url`` …) come from anqi's pytest plugin, core/testing/pytest_plugin.py,
which pytest loads for any package installed beside anqi; the helpers are in
core.testing. The names below stay importable from here for the suite's modules."""
from core.testing import (PASSWORD, TOTP_SECRET, City, actor_for, csrf_token, enrol_second_factor,  # noqa: F401
                          login, on_databases, totp_code)
from core.testing.pytest_plugin import BACKENDS, PG_URL, _reset_postgres  # noqa: F401
