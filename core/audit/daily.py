"""The audit trail's daily job (huey, ``anqi.audit.daily``): archive what is due, then verify the chain."""
import logging

from core.audit.archive import ArchiveError, archive
from core.audit.verification import run_verification
from core.org.actor import Actor

log = logging.getLogger("anqi.audit")


USERNAME = "system"  # as the deadline sweep's entries


def job_actor() -> Actor:
    """Who the daily job acts as: no user, the background job."""
    return Actor(user=None, address="audit-job", is_shell=True)


def run_daily() -> None:
    actor = job_actor()
    try:
        written = archive(actor, username=USERNAME)
    except ArchiveError as exc:  # recorded in the trail; the entries stay, and tomorrow's run tries again
        log.error("audit archive: %s", exc.message)
    else:
        if written:
            log.info("audit archive: %d entries to %s", written.entries, written.file)
    run_verification(actor, username=USERNAME)
