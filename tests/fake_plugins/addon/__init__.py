"""A plugin for the tests that depends on fake_panels and adds a panel of its own."""
from markupsafe import Markup

from core.plugins.toolkit import Panel, hookimpl


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    return [Panel(title="附加面板", html=Markup('<p class="fake-addon">addon</p>'), order=200)]
