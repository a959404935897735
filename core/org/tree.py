"""Units shown as their tree: every unit under its parent, indented, siblings
in a fixed order (the centre, sub-centres, brigades, stations, liaison rooms,
each kind in the order the units were created).

A unit's materialised path (``/1/12/40/``) sorted as text puts ``/1/12/``
before ``/1/2/``: the centre lands in the middle of the list and the first
station last. Here the order follows the path's ids as numbers, kind first.
"""

KIND_ORDER = {"city_bureau": 0, "centre": 1, "sub_centre": 2, "brigade": 3, "station": 4, "liaison_room": 5}


def path_ids(unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def in_tree_order(units) -> list:
    """``units`` sorted as their tree: each after its parent, siblings by kind
    then by id. Ancestors missing from ``units`` (above a station user's
    scope) are shared by all and do not change the order."""
    units = list(units)
    by_id = {unit.id: unit for unit in units}

    def key(unit):
        return tuple((KIND_ORDER.get(by_id[i].kind, 9) if i in by_id else 0, i) for i in path_ids(unit))

    return sorted(units, key=key)
