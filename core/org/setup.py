"""Setting up an installation without a Python shell: the first unit and
administrator on an empty database, and accounts made at the server's shell.

The commands (core/org/cli.py) and the imports (core/org/importing.py) name
unit kinds and roles as people write them: by code, or by their Chinese or
English label. Everything is saved through core.org.services, so the same
rules and the same audit apply as on the administrator's pages.
"""
import secrets
import string

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from core.auth import passwords
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.org import services
from core.org.models import UNIT_KINDS, Unit, User
from core.org.roles import ADMIN, ROLES

TOP_KIND = "city_bureau"     # the only kind save_unit accepts at the top of the tree
LANGUAGES = ("zh_Hans_CN", "en")
GENERATED_LENGTH = 14
# The short names people write in a spreadsheet for a kind of unit (Chinese wording, not translated).
KIND_ALIASES = {"公安局": "city_bureau", "市局": "city_bureau", "服务中心": "centre", "中心": "centre",
                "联络室": "liaison_room", "警企联络室": "liaison_room", "所": "station"}


def has_units() -> bool:
    return bool(db.session.scalar(select(exists().where(Unit.id.isnot(None)))))


def has_users() -> bool:
    return bool(db.session.scalar(select(exists().where(User.id.isnot(None)))))


def _key(text) -> str:
    return "".join(str(text or "").split()).casefold()


def _names(labels: dict) -> dict[str, str]:
    """Every way of writing a choice (code, Chinese label, English label) → its code."""
    names = {}
    for code, label in labels.items():
        names[_key(code)] = code
        for language in LANGUAGES:
            with force_locale(language):
                names[_key(str(label))] = code
    return names


def kind_code(text) -> str | None:
    """The unit kind that ``text`` names (code or label in either language), or None."""
    return _names(UNIT_KINDS).get(_key(text)) or KIND_ALIASES.get(_key(text))


def role_code(text) -> str | None:
    """The role that ``text`` names (code or label in either language), or None."""
    return _names(ROLES).get(_key(text))


def _chinese() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "zh"


def named_list(pairs) -> str:
    """``(words, code)`` pairs as a reader of the current language writes them:
    派出所（station）、大队（brigade） or Police station (station), Brigade (brigade)."""
    if _chinese():
        return "、".join(f"{words}（{code}）" for words, code in pairs)
    return ", ".join(f"{words} ({code})" for words, code in pairs)


def in_words(labels: dict) -> str:
    """The choices (code → label) in words, each with its code."""
    return named_list((label, code) for code, label in labels.items())


def unit_list(limit: int = 40) -> str:
    units = services.all_units()
    if not units:
        return str(_l("none yet"))
    return named_list((u.name, u.code) for u in units[:limit]) + ("……" if len(units) > limit else "")


def generated_password() -> str:
    """A random initial password that meets the password rules (all four kinds of character)."""
    alphabet = string.ascii_letters + string.digits + "-_.!"
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(GENERATED_LENGTH))
        if passwords.character_classes(password) == 4:
            return password


def initialize(actor, *, unit_code: str, unit_name: str, unit_kind: str = TOP_KIND, username: str,
               name: str, password: str) -> User:
    """The top unit and the first administrator, on a database without units.

    The administrator's details are checked before the unit is saved, so that a
    refused password leaves the database empty and the command can be run again."""
    actor.require("system.manage")
    if has_units():
        raise Conflict(_l("This database already has units: it has been set up. Add users with "
                          "`anqi users create` or on the administrator's pages."))
    kind = kind_code(unit_kind)
    errors = {}
    code = (unit_code or "").strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = [_l("Use up to 32 letters, digits, - or _ for the code.")]
    if not (unit_name or "").strip():
        errors["unit_name"] = [_l("Enter the unit's name.")]
    if kind is None:
        errors["kind"] = [_l("Choose the kind of unit: %(kinds)s.", kinds=in_words(UNIT_KINDS))]
    elif kind != TOP_KIND:
        errors["kind"] = [_l("Only a city bureau stands at the top of the tree.")]
    username = (username or "").strip().lower()
    if not username or not username.isascii() or not username.replace(".", "").replace("_", "") \
            .replace("-", "").isalnum():
        errors["username"] = [_l("Use letters, digits, . _ or - for the user name.")]
    if not (name or "").strip():
        errors["name"] = [_l("Enter the person's name.")]
    try:
        passwords.check_new_password(password, username)
    except ValidationError as exc:
        errors["password"] = [exc.message]
    if errors:
        raise ValidationError.of(errors)
    unit = services.save_unit(actor, {"code": unit_code, "name": unit_name, "kind": kind})
    # The operator typed this password for themselves: no change forced at the first login.
    return services.save_user(actor, {"username": username, "name": name, "unit_id": unit.id, "roles": [ADMIN],
                                      "password": password}, must_change_password=False)


def create_user(actor, *, username: str, unit_code: str, roles: list[str], name: str | None = None,
                password: str | None = None) -> tuple[User, str | None]:
    """A person's account made at the shell. Units and roles are named in words
    or by code. Without ``password`` one is generated and returned (to be shown
    once). Either way the person replaces it at their first login: it was chosen
    for them. Returns the user and the generated password, if any."""
    actor.require("system.manage")
    errors = {}
    unit = services.unit_by_code((unit_code or "").strip().upper())
    if unit is None:
        errors["unit_id"] = [_l("There is no unit with the code %(code)s. The units are: %(units)s.",
                                code=unit_code, units=unit_list())]
    codes = [role_code(r) for r in roles if str(r).strip()]
    if not codes or None in codes:
        errors["roles"] = [_l("Name the role by its code or its name: %(roles)s.", roles=in_words(ROLES))]
    if errors:
        raise ValidationError.of(errors)
    generated = None if password else generated_password()
    user = services.save_user(actor, {"username": username, "name": name or username, "unit_id": unit.id,
                                      "roles": codes, "password": password or generated},
                              must_change_password=True)
    return user, generated
