"""The enterprise search's own index (core/registry/search_index.py): it follows
every create, edit, import and deletion, the migration's rebuild makes the same
rows, and a search through it finds exactly what a scan of the registry finds."""
import pytest
from sqlalchemy import select, text

from core.extensions import db
from core.registry import importer, name_grams, search_index, services
from core.registry.models import Enterprise
from core.registry.services import EnterpriseFilter
from tests.conftest import actor_for
from tests.helpers import code, csv_bytes
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

NAMES = [
    "浙江华达科技有限公司", "绍兴安瑞科技有限公司", "绍兴宏达电子科技有限公司", "杭州西湖食品有限公司",
    "诸暨市枫桥茶叶专业合作社", "绍兴黄酒集团股份有限公司", "浙江交通科技股份有限公司", "ABC电子有限公司",
    "绍兴华达纺织有限公司", "暨阳纺织有限公司",
]
LONG_NAME = "浙江省绍兴市诸暨市暨阳街道东二路华达宏达安瑞纺织印染服装进出口贸易有限公司"


def indexed() -> dict[int, str]:
    key = "rowid" if db.engine.dialect.name == "sqlite" else "enterprise_id"
    db.session.rollback()
    return dict(db.session.execute(text(f"SELECT {key}, keys FROM {search_index.TABLE}")).all())


def names_indexed() -> dict[int, set[str]]:
    key = "rowid" if db.engine.dialect.name == "sqlite" else "enterprise_id"
    db.session.rollback()
    rows = db.session.execute(text(f"SELECT {key}, grams FROM {name_grams.TABLE}")).all()
    return {i: set(g.split() if isinstance(g, str) else g) for i, g in rows}


def found(actor, q, **filters) -> list[int]:
    """Every id the search finds, page after page (two rows a page)."""
    ids, cursor = [], None
    while True:
        page = services.search(actor, EnterpriseFilter(q=q, **filters), cursor=cursor, limit=2)
        ids.extend(e.id for e in page.items)
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def found_by_index(q) -> list[int] | None:
    """The candidates the index names for the search box's ``q`` (None: the search walks the name order)."""
    seen = {}
    real = search_index.candidates

    def spy(session, substrings, in_order=None):
        seen["ids"] = real(session, substrings, in_order)
        return seen["ids"]

    search_index.candidates = spy
    try:
        services.search(actor_for("desk"), EnterpriseFilter(q=q))
    finally:
        search_index.candidates = real
    return seen["ids"]


@pytest.fixture
def registry(city):
    desk_a, desk_b = actor_for("desk_a"), actor_for("desk_b")
    ids = {}
    for n, name in enumerate(NAMES, start=1):
        actor = desk_a if n % 2 else desk_b
        ids[name] = services.create(actor, {"name": name, "credit_code": code(n)}).id
    ids[LONG_NAME] = services.create(desk_a, {"name": LONG_NAME, "credit_code": code(99)}).id
    return ids


def test_a_created_enterprise_is_indexed_by_its_keys(app, registry):
    rows = indexed()
    assert set(rows) == set(registry.values())
    keys = rows[registry["绍兴宏达电子科技有限公司"]]
    assert "绍兴宏达电子科技有限公司" in keys and "shaoxinghongdadianzikeji" in keys and code(3) in keys
    assert "sxh" in keys.split() and "hdk" in keys.split() and "sdj" in keys.split()   # sxhddzkj: gaps allowed
    assert search_index.ANY_TRIPLE in rows[registry[LONG_NAME]]    # initials too long to spell out
    grams = names_indexed()
    assert set(grams) == set(registry.values())
    assert {"宏", "宏达", "电子", "限公"} <= grams[registry["绍兴宏达电子科技有限公司"]]
    assert {"a", "ab", "bc", "电"} <= grams[registry["ABC电子有限公司"]]            # Latin letters in lower case
    # The candidates: the one whose initials hold s, x, h, d, k, j in order, and the long name's.
    assert sorted(found_by_index("sxhdkj")) == [registry["绍兴宏达电子科技有限公司"], registry[LONG_NAME]]


def test_an_edit_rewrites_the_row_and_the_search_follows(app, registry):
    desk = actor_for("desk")
    enterprise_id = registry["杭州西湖食品有限公司"]
    assert found(desk, "xihushipin") == [enterprise_id]
    services.update(desk, enterprise_id, {"name": "宁波港口物流有限公司"})
    assert "ningbogangkouwuliu" in indexed()[enterprise_id]
    assert found(desk, "xihushipin") == []
    assert found(desk, "gangkouwuliu") == found(desk, "nbgkwl") == [enterprise_id]
    assert "港口" in names_indexed()[enterprise_id] and "西湖" not in names_indexed()[enterprise_id]
    assert found(desk, "港口") == [enterprise_id] and found(desk, "西湖") == []
    services.update(desk, enterprise_id, {"credit_code": code(77)})
    assert found(desk, code(77)) == [enterprise_id]
    assert found(desk, code(4)) == []
    before = indexed()
    services.update(desk, enterprise_id, {"district": "浣东街道"})    # not a key: the row stays as it was
    assert indexed() == before


def test_an_import_indexes_what_it_creates_and_updates(app, registry):
    desk_a = actor_for("desk_a")
    content = csv_bytes([["企业名称", "统一社会信用代码"],
                         ["绍兴安瑞印刷有限公司", code(41)],
                         ["宁波华达宏达科技有限公司", code(1)]])      # renames 浙江华达科技
    report = importer.apply(desk_a, "企业.csv", content)
    assert report.counts["created"] == 1 and report.counts["updated"] == 1
    created = db.session.scalar(select(Enterprise.id).where(Enterprise.credit_code == code(41)))
    rows = indexed()
    assert "shaoxinganruiyinshua" in rows[created]
    assert "ningbohuadahongdakeji" in rows[registry["浙江华达科技有限公司"]]
    assert found(actor_for("desk"), "anruiyinshua") == [created]
    assert found(actor_for("desk"), "nbhdhdkj") == [registry["浙江华达科技有限公司"]]


def test_a_deleted_enterprise_leaves_the_index(app, registry):
    enterprise_id = registry["绍兴安瑞科技有限公司"]
    db.session.delete(db.session.get(Enterprise, enterprise_id))
    db.session.commit()
    assert enterprise_id not in indexed() and enterprise_id not in names_indexed()
    assert found(actor_for("desk"), "shaoxinganrui") == []
    assert found(actor_for("desk"), "安瑞") == [registry[LONG_NAME]]


def test_the_rebuild_makes_the_rows_the_listener_wrote(app, registry):
    written, grams = indexed(), names_indexed()
    assert search_index.rebuild(db.session.connection()) == len(registry)
    db.session.commit()
    assert indexed() == written and names_indexed() == grams


QUERIES = ["sxhdkj", "anrui", "shaoxinganrui", "Shaoxing Anrui", "SXHD", "zjkj", "sxkj", "zjs", "hd", "ab", "a",
           "abc", "ABC电子", "华达", "华", "黄酒", "茶", "枫桥", "有限", "a1", "华达科技", "绍兴宏达电子", "纺织有限", "不存在的名字", "%", "_%_", code(3),
           code(3)[:8], code(3)[:12].lower(), "9133", "xi'an", "dzkj", "sxzjyjddel"]


@pytest.mark.parametrize("username", ["desk", "desk_a"])
def test_the_index_finds_exactly_what_a_scan_finds(app, registry, username, monkeypatch):
    actor = actor_for(username)
    through_index = {q: found(actor, q) for q in QUERIES}
    through_index_in_unit = {q: found(actor, q, unit_id=actor.unit_id) for q in QUERIES}
    monkeypatch.setattr(search_index, "candidates", lambda *_args, **_kwargs: None)
    assert through_index == {q: found(actor, q) for q in QUERIES}
    assert through_index_in_unit == {q: found(actor, q, unit_id=actor.unit_id) for q in QUERIES}
    assert through_index["sxhdkj"] == [registry["绍兴宏达电子科技有限公司"]]
    assert through_index["sxzjyjddel"] == [registry[LONG_NAME]]


def test_short_words_of_a_name_and_common_terms(app, registry, monkeypatch):
    assert found_by_index("hd") is None         # two letters: no trigram, and initials are read in order
    # A word of one or two characters of a name: the names' grams name the candidates.
    assert sorted(found_by_index("华达")) == sorted(registry[n] for n in ("浙江华达科技有限公司", "绍兴华达纺织有限公司",
                                                                          LONG_NAME))
    assert found_by_index("茶") == [registry["诸暨市枫桥茶叶专业合作社"]]
    assert found_by_index("sxhdkj") is not None
    monkeypatch.setattr(search_index, "CANDIDATE_LIMIT", 2)
    assert found_by_index("keji") is None       # four enterprises: more than the limit
    assert found_by_index("科技") is None
    assert found(actor_for("desk"), "keji") == [registry[n] for n in ("绍兴安瑞科技有限公司", "绍兴宏达电子科技有限公司",
                                                                      "浙江华达科技有限公司", "浙江交通科技股份有限公司")]
