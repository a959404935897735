"""The address the intranet reaches anqi at (``PUBLIC_BASE_URL``).

The QR code printed on every issued PDF points at ``<PUBLIC_BASE_URL>/verify/<code>``,
and an issued PDF never changes: a wrong address is printed for good. So it is
set deliberately:

- ``anqi run`` (development) takes it from the address it serves when it is not
  configured, and without any setting a loopback address serves the tests;
- a production process (``anqi serve``'s web workers and ``anqi worker``, which
  set ``PRODUCTION``) refuses to issue while it is unset or a loopback address,
  and ``anqi serve`` warns at start.

The verification page itself does not depend on it: a document issued under
one address is verified at any address anqi is reached at.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

# Where a development process's QR codes point when nothing is configured.
DEVELOPMENT_DEFAULT = "http://127.0.0.1:5000"


def configured(config) -> str:
    """The configured address without its trailing slash; "" when unset."""
    return str(config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")


def base_url(config) -> str:
    """The address the QR codes point at: the configured one, else the development default."""
    return configured(config) or DEVELOPMENT_DEFAULT


def is_loopback(url: str) -> bool:
    """Whether the URL names this machine only (127.0.0.0/8, ::1, localhost): no
    other machine reaches it there."""
    host = (urlsplit(url if "://" in url else f"//{url}").hostname or "").lower().rstrip(".")
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_problem(config) -> str | None:
    """Why a production process may not issue under this configuration; None when it may."""
    url = configured(config)
    if not url:
        return str(_l("PUBLIC_BASE_URL is not set, so the QR codes on issued documents would point nowhere "
                      "another computer can reach. No document can be issued until the administrator sets "
                      "ANQI_PUBLIC_BASE_URL to the address the intranet reaches anqi at."))
    if is_loopback(url):
        return str(_l("PUBLIC_BASE_URL points at this computer only (%(url)s), so the QR codes on issued "
                      "documents would work nowhere else. No document can be issued until the administrator "
                      "sets ANQI_PUBLIC_BASE_URL to the address the intranet reaches anqi at.", url=url))
    return None


def issuing_refusal(config) -> str | None:
    """The refusal to issue in a production process; development processes issue under any address."""
    return production_problem(config) if config.get("PRODUCTION") else None


def served_address(host: str, port: int) -> str:
    """The address ``anqi run --host HOST --port PORT`` is reached at. A wildcard
    host (0.0.0.0, ::) serves every interface: the address other machines reach
    is this machine's outgoing one (``outgoing_address``)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = outgoing_address()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"             # an IPv6 address in a URL
    return f"http://{host}:{port}"


def outgoing_address() -> str:
    """This machine's first non-loopback IPv4 address: the one it sends from
    (a UDP socket's connect sends no packet, so this works offline as long as a
    route exists), else one its host name resolves to, else its host name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))
            address = probe.getsockname()[0]
        except OSError:
            address = ""
    if address and not ipaddress.ip_address(address).is_loopback and address != "0.0.0.0":
        return address
    name = socket.gethostname()
    try:
        resolved = socket.gethostbyname_ex(name)[2]
    except OSError:
        resolved = []
    return next((a for a in resolved if not ipaddress.ip_address(a).is_loopback), name)
