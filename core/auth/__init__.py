"""Identity: logging in (password rules, lockout, rate limit, second factor),
server-side sessions and the administrator's pages for them."""


def init_app(app) -> None:
    """After the blueprints: the login views get their rate limit."""
    from core.auth import admin, cli, guard, limits

    app.register_blueprint(admin.bp)
    # First of all request hooks: the plugins' own checks read the current user.
    app.before_request_funcs.setdefault(None, []).insert(0, guard.check_request)
    limits.init_app(app)
    app.cli.add_command(cli.users)
