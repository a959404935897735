"""Per-unit enablement: which plugins a unit has switched on, changed at run time."""
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.models import Unit
from core.plugins.models import UnitPlugin


def manager():
    """The application's ``PluginManager``."""
    return current_app.extensions["anqi_plugins"]


def enabled_names(unit_id) -> frozenset[str]:
    """Loaded plugins enabled for the unit; cached for the length of a request."""
    if unit_id is None:
        return frozenset()
    cache = {}
    if has_request_context():
        if not hasattr(request, "_anqi_enabled_plugins"):
            request._anqi_enabled_plugins = {}
        cache = request._anqi_enabled_plugins
    if unit_id not in cache:
        rows = db.session.scalars(
            select(UnitPlugin.plugin).where(UnitPlugin.unit_id == unit_id, UnitPlugin.enabled.is_(True))
        )
        cache[unit_id] = frozenset(name for name in rows if name in manager())
    return cache[unit_id]


def is_enabled(unit_id, name: str) -> bool:
    """Whether unit ``unit_id`` has switched plugin ``name`` on."""
    return name in enabled_names(unit_id)


def call_for_unit(hook: str, unit_id, **kwargs) -> list:
    """Call a per-unit hook on the plugins that ``unit_id`` has enabled; flatten lists."""
    results = manager().call_enabled(hook, enabled_names(unit_id), **kwargs)
    flat = []
    for result in results:
        if isinstance(result, (list, tuple)):
            flat.extend(result)
        elif result is not None:
            flat.append(result)
    return flat


def broadcast(hook: str, **kwargs) -> None:
    """Tell every loaded plugin about an event."""
    manager().call_all(hook, **kwargs)


def set_enabled(actor, unit_code: str, name: str, enabled: bool) -> UnitPlugin:
    """Switch ``name`` on or off for a unit, honouring dependencies both ways."""
    actor.require("system.manage")
    plugins = manager()
    action = "plugin.enable" if enabled else "plugin.disable"
    if name not in plugins:
        audit.record_failure(actor, action, object_type="plugin", object_id=name,
                             detail={"unit": unit_code, "reason": "unknown plugin"})
        raise ValidationError(_l("There is no plugin called “%(name)s”.", name=name), field="plugin")
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise NotFound(_l("There is no unit with the code “%(code)s”.", code=unit_code))
    current = enabled_names(unit.id)
    if enabled:
        missing = [d for d in plugins.manifests[name].depends if d not in current]
        if missing:
            audit.record_failure(actor, action, object_type="plugin", object_id=name,
                                 detail={"unit": unit.code, "missing": missing})
            raise ValidationError(_l("Enable %(deps)s for this unit before %(name)s.",
                                     deps=", ".join(missing), name=name))
    else:
        needed_by = [d for d in plugins.dependents(name) if d in current]
        if needed_by:
            audit.record_failure(actor, action, object_type="plugin", object_id=name,
                                 detail={"unit": unit.code, "needed_by": needed_by})
            raise ValidationError(_l("%(name)s cannot be disabled while %(deps)s is enabled for this unit.",
                                     name=name, deps=", ".join(needed_by)))
    row = db.session.scalar(select(UnitPlugin).where(UnitPlugin.unit_id == unit.id, UnitPlugin.plugin == name))
    if row is None:
        row = UnitPlugin(unit_id=unit.id, plugin=name)
        db.session.add(row)
    row.enabled = enabled
    row.changed_by_id = actor.user_id
    row.changed_at = clock.now()
    db.session.flush()
    audit.record(actor, action, row, detail={"unit": unit.code, "plugin": name})
    db.session.commit()
    if has_request_context():
        request._anqi_enabled_plugins = {}
    return row


def units_enabled(name: str) -> list[int]:
    return list(db.session.scalars(
        select(UnitPlugin.unit_id).where(UnitPlugin.plugin == name, UnitPlugin.enabled.is_(True))
    ))
