"""The level matrix: likelihood (可能性) and impact (影响程度), each on a fixed
scale of 1 to 5, give a risk's level (high / medium / low).

The default, used by a unit that has not set its own, grades the product
likelihood × impact: 15 and above is high, 5 to 12 medium, 4 and below low::

    impact →      1    2    3    4    5
    likelihood 1  low  low  low  low  med
               2  low  low  med  med  med
               3  low  med  med  med  high
               4  low  med  med  high high
               5  med  med  high high high

A leader may set the unit's own matrix, cell by cell; a change applies to
risks graded afterwards (a graded risk keeps the level it was given).
"""
from flask_babel import lazy_gettext as _l

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from plugins.risk_assessment.models import Matrix

SCALE = (1, 2, 3, 4, 5)
LEVELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
LEVEL_ORDER = ("high", "medium", "low")
LEVEL_WORDS = {"high": "高", "medium": "中", "low": "低"}     # in the documents, which are Chinese
LIKELIHOOD = {1: _l("Rare"), 2: _l("Unlikely"), 3: _l("Possible"), 4: _l("Likely"), 5: _l("Almost certain")}
IMPACT = {1: _l("Negligible"), 2: _l("Minor"), 3: _l("Moderate"), 4: _l("Major"), 5: _l("Severe")}


def _by_product(likelihood: int, impact: int) -> str:
    product = likelihood * impact
    return "high" if product >= 15 else "medium" if product >= 5 else "low"


DEFAULT = [[_by_product(likelihood, impact) for impact in SCALE] for likelihood in SCALE]


def cells_of(unit_id) -> list[list[str]]:
    row = db.session.get(Matrix, unit_id) if unit_id else None
    return row.cells if row is not None else DEFAULT


def scale_value(value, name: str) -> int:
    """A likelihood or impact as given (a form's text or a number), checked
    against the scale; ValidationError when missing or off the scale."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number not in SCALE:
        message = _l("Give the likelihood, from 1 to 5.") if name == "likelihood" else \
            _l("Give the impact, from 1 to 5.")
        raise ValidationError(message, field=name)
    return number


def level(unit_id, likelihood: int, impact: int) -> str:
    return cells_of(unit_id)[likelihood - 1][impact - 1]


def save(actor, cells) -> Matrix:
    """The leader's matrix for the unit: 5 × 5 levels; every cell must be a level,
    and the level must not fall as likelihood or impact rises."""
    actor.require("risk_assessment.configure")
    rows = [list(r) for r in cells or []]
    if len(rows) != 5 or any(len(r) != 5 or any(c not in LEVELS for c in r) for r in rows):
        raise ValidationError(_l("Give a level for every cell of the matrix."), field="cells")
    rank = {"low": 0, "medium": 1, "high": 2}
    for i in range(5):
        for j in range(5):
            if (i and rank[rows[i][j]] < rank[rows[i - 1][j]]) or (j and rank[rows[i][j]] < rank[rows[i][j - 1]]):
                raise ValidationError(_l("A more likely or more severe risk cannot have a lower level."),
                                      field="cells")
    row = db.session.get(Matrix, actor.unit_id)
    if row is None:
        row = Matrix(unit_id=actor.unit_id, cells=rows)
        db.session.add(row)
    row.cells, row.changed_by_id, row.changed_at = rows, actor.user_id, clock.now()
    db.session.flush()
    audit.record(actor, "risk_assessment.matrix", object_type="risk_assessment_matrix", object_id=actor.unit_id,
                 detail={"cells": rows})
    db.session.commit()
    return row
