import pytest
from django.core.exceptions import ValidationError

from lms.people.identity import (
    id_check_char,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_name,
    normalize_phone,
)

VALID_ID = "11010519491231002X"


def test_id_number_lower_case_x_is_accepted_and_upper_cased():
    assert normalize_id_number("11010519491231002x") == VALID_ID


def test_id_number_full_width_and_spaces_are_cleaned():
    assert normalize_id_number(" １１０１０５ 1949 1231 002ｘ ") == VALID_ID


@pytest.mark.parametrize(
    "value, code",
    [
        ("110105194912310021", "id_number_checksum"),
        ("11010519491231002", "id_number_format"),
        ("110105491231002", "id_number_15"),
        ("1101051949123100XX", "id_number_format"),
        ("11010519491331002" + id_check_char("11010519491331002"), "id_number_birth_date"),
    ],
)
def test_invalid_id_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as error:
        normalize_id_number(value)
    assert error.value.code == code


def test_id_number_that_excel_turned_into_a_number_is_explained():
    with pytest.raises(ValidationError) as error:
        normalize_id_number(1.10105194912310e17)
    assert error.value.code == "id_number_numeric"


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 13800138000",
        "8613800138000",
        "138 0013 8000",
        "１３８００１３８０００",
        13800138000,
        13800138000.0,
    ],
)
def test_phone_spellings_normalise_to_eleven_digits(value):
    assert normalize_phone(value) == "13800138000"


def test_landline_keeps_its_area_code():
    assert normalize_phone("(0351) 1234567") == "0351-1234567"


@pytest.mark.parametrize("value", ["12345", "+1 415 555 0100", "1380013800a", "23800138000"])
def test_bad_phones_are_refused(value):
    with pytest.raises(ValidationError):
        normalize_phone(value)


def test_masking_shows_first_six_and_last_four_of_id():
    assert mask_id_number(VALID_ID) == "110105********002X"


def test_masking_phone():
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0351-1234567") == "0351-***4567"


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("\u3000张三\u3000", "张三"),
        ("  李 四 ", "李四"),
        ("阿卜杜拉 • 买买提", "阿卜杜拉·买买提"),
        ("John  Smith", "John Smith"),
    ],
)
def test_names_are_trimmed(raw, clean):
    assert normalize_name(raw) == clean
