"""统一社会信用代码 (GB 32100-2015) validation, and the registry refusing bad or duplicate codes."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import ValidationError
from core.extensions import db
from core.registry import credit_code as uscc
from core.registry import services
from core.registry.models import Enterprise
from tests.conftest import actor_for
from tests.helpers import code, count, en
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

# The example of GB 32100-2015 itself, and codes from registration
# authorities with letter codes (N: agriculture, Y: others, A: …).
VALID = [
    "91350100M000100Y43",
    "91110000600037341L",
    code(1),
    uscc.with_check_character("N2330100MA2BCDEF1"),
    uscc.with_check_character("Y1330681MA2BCDEF1"),
    uscc.with_check_character("A1330681000000001"),
    uscc.with_check_character("51330681MA2BCDEF1"),
]


@pytest.mark.parametrize("value", VALID)
def test_valid_codes_pass_unchanged(value):
    assert uscc.validate(value) == value
    assert uscc.is_valid(value)


def test_letter_prefixed_codes_are_accepted_though_stdnum_rejects_them():
    from stdnum.cn import uscc as stdnum_uscc

    letter_code = uscc.with_check_character("N2330100MA2BCDEF1")
    assert not stdnum_uscc.is_valid(letter_code)  # why core keeps only stdnum's check-digit function
    assert uscc.validate(letter_code) == letter_code


def test_lower_case_is_normalised_to_upper_case():
    value = "91350100m000100y43"
    assert uscc.validate(value) == "91350100M000100Y43"


def test_full_width_characters_spaces_and_hyphens_are_normalised():
    full_width = "９１３５０１００Ｍ０００１００Ｙ４３"
    assert uscc.validate(full_width) == "91350100M000100Y43"
    assert uscc.validate(" 9135 0100-M000 100Y43 ") == "91350100M000100Y43"
    assert uscc.validate("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"


@pytest.mark.parametrize("value, length", [("91350100M000100Y4", 17), ("91350100M000100Y431", 19), ("9", 1)])
def test_wrong_length_names_the_length(app, value, length):
    with pytest.raises(ValidationError) as caught:
        uscc.validate(value)
    assert caught.value.field == "credit_code"
    message = en(caught.value.message)
    assert "18 characters" in message and str(length) in message


def test_empty_code_asks_for_one(app):
    for value in ("", None, "   "):
        with pytest.raises(ValidationError) as caught:
            uscc.validate(value)
        assert "Enter the unified social credit code" in en(caught.value.message)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_alphabet_are_refused_by_name(app, letter):
    value = "91350100M0" + letter + "0100Y43"
    assert len(value) == 18
    with pytest.raises(ValidationError) as caught:
        uscc.validate(value)
    message = en(caught.value.message)
    assert "cannot contain" in message and letter in message
    # Lower case is caught the same way, after normalisation.
    with pytest.raises(ValidationError):
        uscc.validate(value.lower())


def test_punctuation_is_refused(app):
    with pytest.raises(ValidationError) as caught:
        uscc.validate("91350100M000100Y4#")
    assert "#" in en(caught.value.message)


def test_wrong_check_character_is_refused(app):
    good = "91350100M000100Y43"
    for wrong in ("0", "A", "Y"):
        with pytest.raises(ValidationError) as caught:
            uscc.validate(good[:-1] + wrong)
        assert "check character" in en(caught.value.message)
    # A single mistyped character in the body is caught by the check character.
    with pytest.raises(ValidationError):
        uscc.validate("91350100M000200Y43")


def test_with_check_character_builds_codes_that_validate():
    for first17 in ("91330681MA2BCDEF1", "N1330681MA2BCDEF1", "Y0000000000000000", "12345678901234567"):
        complete = uscc.with_check_character(first17)
        assert len(complete) == 18 and complete.startswith(first17)
        assert uscc.is_valid(complete)


# --- the registry service ------------------------------------------------------

def test_create_rejects_a_bad_code_with_a_clear_message_and_writes_nothing(app, city):
    actor = actor_for("desk_a")
    with pytest.raises(ValidationError) as caught:
        services.create(actor, {"name": "浙江华达科技有限公司", "credit_code": "91350100M000100Y44"})
    assert caught.value.errors.keys() == {"credit_code"}
    assert "check character" in en(caught.value.message)
    assert count(Enterprise) == 0
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "enterprise.create").order_by(AuditEntry.id.desc()))
    assert entry is not None and entry.result == "rejected" and entry.username == "desk_a"


def test_create_stores_the_normalised_code(app, city):
    enterprise = services.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司",
                                                       "credit_code": " ９１３５０１００m000100y43 "})
    assert enterprise.credit_code == "91350100M000100Y43"
    assert enterprise.unit_id == city.station_a.id


def test_a_letter_prefixed_code_can_be_registered(app, city):
    letter_code = uscc.with_check_character("N2330100MA2BCDEF1")
    enterprise = services.create(actor_for("desk_a"), {"name": "诸暨市枫桥茶叶专业合作社", "credit_code": letter_code})
    assert enterprise.id and enterprise.credit_code == letter_code


def test_duplicate_code_is_refused_and_names_the_existing_enterprise(app, city):
    services.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    with pytest.raises(ValidationError) as caught:
        # The same code typed in lower case is still the same code.
        services.create(actor_for("desk_a"), {"name": "别的公司", "credit_code": code(1).lower()})
    assert caught.value.field == "credit_code"
    assert "浙江华达科技有限公司" in en(caught.value.message)
    assert count(Enterprise) == 1


def test_duplicate_in_another_units_area_does_not_reveal_its_name(app, city):
    services.create(actor_for("desk_b"), {"name": "乙所的秘密企业", "credit_code": code(2)})
    with pytest.raises(ValidationError) as caught:
        services.create(actor_for("desk_a"), {"name": "甲所企业", "credit_code": code(2)})
    message = en(caught.value.message)
    assert "already registered" in message and "乙所的秘密企业" not in message
    assert count(Enterprise) == 1


def test_update_to_another_enterprises_code_is_refused(app, city):
    actor = actor_for("desk_a")
    first = services.create(actor, {"name": "甲企业", "credit_code": code(1)})
    second = services.create(actor, {"name": "乙企业", "credit_code": code(2)})
    second_id = second.id
    with pytest.raises(ValidationError):
        services.update(actor, second_id, {"credit_code": first.credit_code})
    assert count(Enterprise, Enterprise.credit_code == code(2)) == 1


def test_the_form_shows_the_message_and_writes_nothing(app, city):
    from tests.conftest import login
    from tests.helpers import fresh_client

    client = fresh_client(app)
    login(client, "desk_a")
    client.post("/lang", data={"lang": "en"})
    response = client.post("/enterprises/new", data={"name": "浙江华达科技有限公司", "credit_code": "91350100M0I0100Y43",
                                                     "unit_id": city.station_a.id, "liaison_officer_id": 0})
    assert response.status_code == 200
    assert "cannot contain I" in response.get_data(as_text=True)
    assert count(Enterprise) == 0
