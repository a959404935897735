"""一名警官、一套班子: the police team and the enterprise's contacts of a
project, and the handovers (交接) when the officer, the leader or a team
member changes. Nothing is deleted: a member who leaves keeps the day they
left, and every handover stays in the project's history."""
from datetime import date

from flask_babel import lazy_gettext as _l

from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.privacy import services as privacy
from core.privacy import validation as personal
from plugins.project_officer import projects
from plugins.project_officer.checks import refuse, text, today
from plugins.project_officer.models import ProjectHandover, ProjectMember

POSTS = {"officer": _l("Responsible officer"), "leader": _l("Responsible leader"), "team": _l("Team member")}
KINDS = {"police": _l("Police team"), "contact": _l("Enterprise contact")}


def get_member(actor, member_id) -> ProjectMember:
    member = db.session.get(ProjectMember, member_id) if member_id else None
    if member is None:
        raise NotFound(_l("There is no such team member."))
    projects.get(actor, member.project_id)
    return member


def add_police(actor, project_id, user_id, title: str = "") -> ProjectMember:
    project = projects.managed(actor, project_id, "project_officer.member.add")
    errors = {}
    user = projects.person_in_tree(project.unit, user_id, roles=("officer", "leader", "desk"))
    if user is None:
        errors["user_id"] = [_l("Choose a police officer of the project unit's tree.")]
    elif any(m.user_id == user.id for m in projects.current_team(project)):
        errors["user_id"] = [_l("This officer is already in the team.")]
    refuse(actor, "project_officer.member.add", errors, "project_officer_project", project.id)
    member = ProjectMember(project=project, kind="police", user_id=user.id, title=text(title, 100), added_on=today())
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "project_officer.member.add", member, detail={"project_id": project.id, "kind": "police",
                                                                     "user_id": user.id})
    db.session.commit()
    return member


def add_contact(actor, project_id, name: str, title: str = "", phone: str = "") -> ProjectMember:
    project = projects.managed(actor, project_id, "project_officer.member.add")
    errors = {}
    name = text(name, 100)
    if not name:
        errors["name"] = [_l("Give the contact's name.")]
    try:
        phone = personal.phone(phone)
    except ValidationError as error:
        errors["phone"] = [error.message]
    refuse(actor, "project_officer.member.add", errors, "project_officer_project", project.id)
    member = ProjectMember(project=project, kind="contact", name=name, title=text(title, 100), phone=phone,
                    added_on=today())
    db.session.add(member)
    db.session.flush()
    audit.record(actor, "project_officer.member.add", member, detail={"project_id": project.id, "kind": "contact"})
    db.session.commit()
    return member


def remove(actor, member_id) -> ProjectMember:
    member = get_member(actor, member_id)
    projects.managed(actor, member.project_id, "project_officer.member.remove")
    if member.left_on is not None:
        raise ValidationError(_l("This member has already left the team."))
    member.left_on = today()
    audit.record(actor, "project_officer.member.remove", member, detail={"project_id": member.project_id})
    db.session.commit()
    return member


def reveal_phone(actor, member_id) -> ProjectMember:
    """A contact's phone in full, for a role that may see it (audited)."""
    member = get_member(actor, member_id)
    if not member.phone:
        raise NotFound(_l("This contact has no phone."))
    privacy.reveal(actor, member, "phone", detail={"project_id": member.project_id})
    return member


def handover(actor, project_id, post: str, to_user_id, notes: str = "", from_member_id=None,
             handed_on: date | None = None) -> ProjectHandover:
    """Hand the officer's or the leader's post, or a team member's place
    (``from_member_id``), to ``to_user_id``, who must belong to the project
    unit's tree; the history keeps who handed what to whom."""
    project = projects.managed(actor, project_id, "project_officer.handover")
    errors = {}
    handed_on = handed_on or today()
    if post not in POSTS:
        errors["post"] = [_l("Choose the post handed over.")]
    roles = ("leader",) if post == "leader" else ("officer", "leader", "desk") if post == "team" else ("officer", "leader")
    successor = projects.person_in_tree(project.unit, to_user_id, roles=roles)
    if successor is None:
        errors["to_user_id"] = [_l("Hand over only to a colleague of the project unit's tree who may hold the post.")]
    leaving = None
    if post == "team":
        leaving = next((m for m in projects.current_team(project)
                        if m.id == from_member_id and m.kind == "police"), None)
        if leaving is None:
            errors["from_member_id"] = [_l("Choose the team member who hands over.")]
    current = {"officer": project.officer_id, "leader": project.leader_id}.get(post)
    from_user_id = leaving.user_id if leaving else current
    if successor is not None and successor.id == from_user_id:
        errors["to_user_id"] = [_l("The successor is the one handing over.")]
    if handed_on > today():
        errors["handed_on"] = [_l("A handover cannot be dated in the future.")]
    refuse(actor, "project_officer.handover", errors, "project_officer_project", project.id)
    if post == "officer":
        project.officer_id = successor.id
    elif post == "leader":
        project.leader_id = successor.id
    else:
        leaving.left_on = handed_on
        db.session.add(ProjectMember(project=project, kind="police", user_id=successor.id, title=leaving.title,
                              added_on=handed_on))
    row = ProjectHandover(project_id=project.id, post=post, from_user_id=from_user_id, to_user_id=successor.id,
                   handed_on=handed_on, notes=text(notes, 2000), recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "project_officer.handover", row, detail={"project_id": project.id, "post": post,
                                                                "from": from_user_id, "to": successor.id})
    db.session.commit()
    return row
