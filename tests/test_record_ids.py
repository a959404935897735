"""A record id from a form, a URL, the API or the command line is a positive
whole number an INTEGER column holds; anything else names no record, and is
never handed to the database (or to int(), which refuses very long digits)."""
import pytest

from core.record_ids import MAX_ID, get_row, record_id


@pytest.mark.parametrize("value, expected", [
    (7, 7), ("7", 7), (" 42 ", 42), (MAX_ID, MAX_ID), (str(MAX_ID), MAX_ID),
    (0, None), ("0", None), (-3, None), ("-3", None), (MAX_ID + 1, None), (str(MAX_ID + 1), None),
    ("", None), (None, None), (True, None), ("1.0", None), ("١٢", None), ("12a", None), ("9" * 5000, None),
    (1.0, None), ([1], None),
])
def test_only_a_positive_whole_number_within_int4_is_an_id(value, expected):
    assert record_id(value) == expected


def test_a_wrong_id_is_no_row_and_the_right_one_is(app, city):
    from core.org.models import Unit

    assert get_row(Unit, str(city.station_a.id)) is city.station_a
    assert get_row(Unit, "9" * 5000) is None and get_row(Unit, MAX_ID) is None and get_row(Unit, None) is None


def test_a_query_string_id_of_thousands_of_digits_is_a_missing_record(app, city, client):
    from core.testing import login

    login(client, "desk_a")
    assert client.get("/tickets/new", query_string={"enterprise": "9" * 5000}).status_code == 200
