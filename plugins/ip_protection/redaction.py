"""Removing an enterprise's identity from text published in the FAQ.

Removed: the full name, the name without its legal form, its short forms (the
name without the places in front — provinces, and the cities, counties and
districts of its name and address — and the trade name, the first two
characters after them), the credit code, the legal representative, the
contacts' names and the name the asker gave; also any mobile number, citizen
ID number or credit code in the text. Longer forms are replaced first, so a
short form inside a long one is never left half-replaced."""
import re

ENTERPRISE_WORD = "某企业"
PERSON_WORD = "某某"
NUMBER_WORD = "（号码已隐去）"
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "专业合作社", "合作社",
               "服务中心", "集团", "公司", "厂")
PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
             "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
_PLACE = re.compile(r"([\u4e00-\u9fff]{2,3}?)(省|自治区|市|县|区)")
_NUMBERS = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9}|\d{17}[\dXx]|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})"
                      r"(?![0-9A-Za-z])")


def _places(*texts) -> set[str]:
    found = set(PROVINCES)
    for text in texts:
        for stem, suffix in _PLACE.findall(text or ""):
            found.update({stem, stem + suffix})
    return found


def _strip_places(name: str, places: set[str]) -> str:
    changed = True
    while changed:
        changed = False
        for place in sorted(places, key=len, reverse=True):
            for suffix in ("省", "市", "县", "区", ""):
                head = place + suffix
                if name.startswith(head) and len(name) - len(head) >= 2:
                    name, changed = name[len(head):], True
                    break
            if changed:
                break
    return name


def short_forms(name: str, address: str = "") -> set[str]:
    """The forms people write an enterprise's name in: ``诸暨市华达管业有限公司`` gives
    诸暨市华达管业, 华达管业, 华达 …"""
    name = (name or "").strip()
    forms = {name} if name else set()
    bare = name
    for suffix in LEGAL_FORMS:
        if bare.endswith(suffix) and len(bare) - len(suffix) >= 2:
            bare = bare[: -len(suffix)]
            break
    forms.add(bare)
    core = _strip_places(bare, _places(name, address))
    forms.add(core)
    if len(core) >= 4:
        forms.add(core[:2])          # the trade name (字号)
    return {f for f in forms if len(f) >= 2}


def identity_of(enterprise, extra_names=()) -> tuple[set[str], set[str]]:
    """(names of the enterprise, names of its people)."""
    names = short_forms(enterprise.name, enterprise.address)
    names.add(enterprise.credit_code)
    people = {enterprise.legal_representative, *(c.name for c in enterprise.contacts), *extra_names}
    return names, {p.strip() for p in people if p and len(p.strip()) >= 2}


def redact(text: str, enterprise, extra_names=()) -> str:
    names, people = identity_of(enterprise, extra_names)
    words = sorted([(n, ENTERPRISE_WORD) for n in names] + [(p, PERSON_WORD) for p in people],
                   key=lambda pair: len(pair[0]), reverse=True)
    pattern = re.compile("|".join(re.escape(word) for word, _ in words), re.IGNORECASE) if words else None
    replacement = {word.lower(): with_ for word, with_ in words}
    if pattern is not None:
        text = pattern.sub(lambda m: replacement[m.group(0).lower()], text)
    return _NUMBERS.sub(NUMBER_WORD, text)
