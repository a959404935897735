"""The only places anqi sends to: ``NOTICE_ALLOWED_HOSTS``.

Every outgoing address — the SMS platform, the mail relay, a webhook endpoint,
the 12345 platform — is checked against the list before a connection is made,
so that an administrator's webhook cannot be pointed at another internal
service (the database, Redis, a router's admin page). An entry is a host name
or address as it is written in the URL (``sms.gaj.zj``, ``10.1.2.3``), allowing
any port, or ``host:port``, allowing that port only. Names are compared as
written, never resolved: the list names the intranet's gateway, relay and 12345
host, and a URL must use one of those names.
"""
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import ValidationError

SCHEMES = ("http", "https")


class AddressNotAllowed(ValidationError):
    """The address is not on ``NOTICE_ALLOWED_HOSTS`` (or is not a web address)."""


def _entries(config) -> list[tuple[str, int | None]]:
    found = []
    for entry in config.get("NOTICE_ALLOWED_HOSTS") or ():
        entry = str(entry).strip().lower()
        if not entry:
            continue
        host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        found.append((host, int(port)) if port.isdigit() else (entry, None))
    return found


def host_allowed(host: str, port: int, config=None) -> bool:
    host = (host or "").strip().lower().rstrip(".")
    if not host:
        return False
    return any(host == allowed and (allowed_port is None or allowed_port == port)
               for allowed, allowed_port in _entries(config if config is not None else current_app.config))


def check_host(host: str, port: int, config=None) -> None:
    """Raise ``AddressNotAllowed`` unless ``host:port`` is on the list."""
    if not host_allowed(host, port, config):
        raise AddressNotAllowed(_l("%(host)s is not on the list of addresses anqi may send to "
                                   "(NOTICE_ALLOWED_HOSTS).", host=f"{host}:{port}"), field="url")


def check_url(url: str, config=None) -> None:
    """Raise ``AddressNotAllowed`` unless ``url`` is an http(s) address on a listed host."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        parts, port = None, 0
    if parts is None or parts.scheme not in SCHEMES or not parts.hostname or parts.username or parts.password:
        raise AddressNotAllowed(_l("Give a web address that starts with http:// or https://, without a "
                                   "user name or password in it."), field="url")
    check_host(parts.hostname, port, config)
