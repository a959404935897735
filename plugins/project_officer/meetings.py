"""联席座谈、意见征求: joint meetings and consultations on a project."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import NotFound
from core.extensions import db
from plugins.project_officer import projects
from plugins.project_officer.checks import refuse, text, today
from plugins.project_officer.models import ProjectMeeting

KINDS = {"joint": _l("Joint meeting (联席座谈)"), "consultation": _l("Consultation (意见征求)")}


def get(actor, meeting_id) -> ProjectMeeting:
    meeting = db.session.get(ProjectMeeting, meeting_id) if meeting_id else None
    if meeting is None:
        raise NotFound(_l("There is no such meeting."))
    projects.get(actor, meeting.project_id)
    return meeting


def of_project(project_id) -> list[ProjectMeeting]:
    return list(db.session.scalars(select(ProjectMeeting).where(ProjectMeeting.project_id == project_id)
                                   .order_by(ProjectMeeting.held_on, ProjectMeeting.id)))


def record(actor, project_id, kind: str, held_on: date | None, participants: str, topics: str = "",
           outcome: str = "") -> ProjectMeeting:
    project = projects.recorded(actor, project_id, "project_officer.meeting")
    errors = {}
    if kind not in KINDS:
        errors["kind"] = [_l("Choose a joint meeting or a consultation.")]
    if held_on is None:
        errors["held_on"] = [_l("Give the day of the meeting.")]
    elif held_on > today():
        errors["held_on"] = [_l("A meeting cannot be recorded before it is held.")]
    participants = text(participants, 500)
    if not participants:
        errors["participants"] = [_l("Name who took part.")]
    refuse(actor, "project_officer.meeting", errors, "project_officer_project", project.id)
    meeting = ProjectMeeting(project_id=project.id, kind=kind, held_on=held_on, participants=participants,
                      topics=text(topics, 4000), outcome=text(outcome, 4000), recorded_by_id=actor.user_id)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "project_officer.meeting", meeting, detail={"project_id": project.id, "kind": kind})
    db.session.commit()
    return meeting
