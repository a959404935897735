"""How long audit entries stay in the database: at least 180 days (等保 level 3), longer when configured."""
import logging

log = logging.getLogger("anqi.audit")

MIN_DAYS = 180


def enforce_minimum(config) -> None:
    """Raise ``AUDIT_RETENTION_DAYS`` to the minimum, with a warning; refuse a value that is not a number of days."""
    value = config.get("AUDIT_RETENTION_DAYS")
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and value.strip().removeprefix("-").isdigit():
        days = int(value)
    else:
        raise ValueError(f"AUDIT_RETENTION_DAYS must be a whole number of days, not {value!r}")
    if days < MIN_DAYS:
        log.warning("AUDIT_RETENTION_DAYS=%s is below the minimum of %d days; %d days are kept.",
                    value, MIN_DAYS, MIN_DAYS)
        days = MIN_DAYS
    config["AUDIT_RETENTION_DAYS"] = days
