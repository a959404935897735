"""The routing pages' forms, and the select fields the dispatch form shares:
units as their tree, officers grouped by unit."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.widgets import html_params

INDENT = "　"   # an ideographic space per level of the tree


def unit_choices(units, blank=None) -> list[tuple[str, str]]:
    """(id, name) for a select, indented by depth below the shallowest unit listed."""
    top = min((u.depth for u in units), default=0)
    found = [(str(u.id), INDENT * (u.depth - top) + u.name) for u in units]
    return ([("", blank)] + found) if blank else found


class OfficerSelect:
    """A select of officers grouped by unit (``<optgroup>``), every option
    marked with its unit (``data-unit``), so that ``static/routing.js`` shows
    only the chosen unit's officers. Without JavaScript every group stays
    visible and the service refuses an officer of another unit."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        selected = str(field.data or "")
        html = [f"<select {html_params(name=field.name, **kwargs)}>",
                self._option("", field.blank, selected == "")]
        for unit, officers in field.groups:
            html.append(f"<optgroup {html_params(label=unit.name, data_unit=unit.id)}>")
            html += [self._option(str(o.id), o.name, selected == str(o.id), data_unit=unit.id) for o in officers]
            html.append("</optgroup>")
        html.append("</select>")
        return Markup("".join(html))

    @staticmethod
    def _option(value, label, selected, **attributes):
        params = html_params(value=value, selected=selected, **attributes)
        return Markup(f"<option {params}>{escape(label)}</option>")


class OfficerField(SelectField):
    """An officer of one of the units, chosen from the officers grouped by unit."""

    widget = OfficerSelect()

    def __init__(self, *args, blank=_l("— the unit decides —"), **kwargs):
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.blank = blank
        self.groups = []

    def set_groups(self, units, officers_by_unit: dict, unit_field=None):
        """``officers_by_unit``: unit id → officers, listed in the order of ``units``."""
        self.groups = [(u, officers_by_unit[u.id]) for u in units if officers_by_unit.get(u.id)]
        self.choices = [("", self.blank)] + [(str(o.id), o.name) for _u, found in self.groups for o in found]
        if unit_field is not None:
            self.render_kw = {**(self.render_kw or {}), "data-officers-of": unit_field.id}


class RuleForm(FlaskForm):
    category = SelectField(_l("Category"), validate_choice=False)
    district = SelectField(_l("District (optional)"), validate_choice=False,
                           description=_l("Only for enterprises in this district (the registry's field)."))
    industry = SelectField(_l("Industry (optional)"), validate_choice=False,
                           description=_l("Only for enterprises of this industry (the registry's field)."))
    unit_id = SelectField(_l("Unit it goes to"), validate_choice=False)
    officer_id = OfficerField(_l("Officer (optional)"))

    def set_choices(self, choices, rule=None):
        self.category.choices = [("", _l("— choose —"))] + [(code, label) for code, label
                                                            in choices.categories.items()]
        if rule is not None and rule.category not in choices.categories:
            self.category.choices.append((rule.category, rule.category))
        for name, values in (("district", choices.districts), ("industry", choices.industries)):
            current = getattr(rule, name, "") if rule is not None else ""
            listed = list(values) + ([current] if current and current not in values else [])
            getattr(self, name).choices = [("", _l("— any —"))] + [(v, v) for v in listed]
        self.unit_id.choices = unit_choices(choices.units, blank=_l("— choose —"))
        self.officer_id.set_groups(choices.units, choices.officers, self.unit_id)


class BulkDispatchForm(FlaskForm):
    """The bulk page's CSRF token; its rows are read by name (``ticket``, ``unit-<id>``, ``officer-<id>``)."""
