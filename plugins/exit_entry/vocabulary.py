"""The plugin's words: document types, urgencies, relations, statuses, target
times, talent and permit kinds, frozen-account outcomes."""
from flask_babel import lazy_gettext as _l

DOC_TYPES = {
    "passport": _l("Ordinary passport (普通护照)"),
    "passport_renewal": _l("Ordinary passport, renewal (普通护照换发)"),
    "hk_macau": _l("Hong Kong/Macau pass with business endorsement (往来港澳通行证商务签注)"),
    "hk_macau_renewal": _l("Hong Kong/Macau pass, renewal (往来港澳通行证换发)"),
    "taiwan": _l("Taiwan pass (往来台湾通行证)"),
    "taiwan_renewal": _l("Taiwan pass, renewal (往来台湾通行证换发)"),
}
# The words printed in documents, which are Chinese whatever the reader's language.
DOC_TYPE_WORDS = {"passport": "普通护照", "passport_renewal": "普通护照换发", "hk_macau": "往来港澳通行证商务签注",
                  "hk_macau_renewal": "往来港澳通行证换发", "taiwan": "往来台湾通行证",
                  "taiwan_renewal": "往来台湾通行证换发"}
URGENCIES = {"normal": _l("Normal"), "urgent": _l("Urgent (加急)")}
URGENCY_WORDS = {"normal": "常规", "urgent": "加急"}
# Working days from receipt to ready for collection, per document type and urgency.
TARGET_DAYS = {
    "passport": {"normal": 7, "urgent": 3},
    "passport_renewal": {"normal": 5, "urgent": 2},
    "hk_macau": {"normal": 7, "urgent": 3},
    "hk_macau_renewal": {"normal": 5, "urgent": 2},
    "taiwan": {"normal": 10, "urgent": 5},
    "taiwan_renewal": {"normal": 7, "urgent": 3},
}
RELATIONS = {
    "legal_representative": _l("Legal representative"),
    "manager": _l("Manager"),
    "employee": _l("Employee"),
    "technician": _l("Technician"),
}
RELATION_WORDS = {"legal_representative": "法定代表人", "manager": "管理人员", "employee": "员工", "technician": "技术人员"}
# The steps, strictly in this order.
STATUSES = {
    "received": _l("Application received"),
    "materials_checked": _l("Materials checked"),
    "submitted": _l("Submitted to the issuing authority"),
    "ready": _l("Ready for collection"),
    "collected": _l("Collected"),
}
STEPS = list(STATUSES)
STEP_COLUMNS = {"materials_checked": "materials_checked_at", "submitted": "submitted_at", "ready": "ready_at",
                "collected": "collected_at"}

TALENT_KINDS = {"foreign_expert": _l("Foreign expert"), "overseas_talent": _l("Overseas talent")}
PERMIT_KINDS = {
    "work_residence": _l("Work-related residence permit"),
    "long_term": _l("Long-term residence"),
    "permanent": _l("Permanent residence"),
}
RESIDENCE_KINDS = ("long_term", "permanent")      # what the yearly residence target counts
PERMIT_STATUSES = {"applied": _l("Applied"), "approved": _l("Approved"), "refused": _l("Refused")}

OUTCOMES = {"unfrozen": _l("Unfrozen"), "partly": _l("Partly unfrozen"), "not_unfrozen": _l("Not unfrozen")}
ONSITE_STATUSES = {"requested": _l("Requested"), "scheduled": _l("Scheduled"), "done": _l("Done")}
