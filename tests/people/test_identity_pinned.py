"""What people rely on from ID numbers, phones and masking, pinned exactly (issue 14).

tests/people/test_identity.py covers the common spellings; these pin the boundaries that
mutation testing showed nobody checked: gender and birth date read from the ID number, the
mobile and landline prefixes, and how short values are masked.
"""

import datetime
import types

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from lms.people import identity
from lms.people.identity import (
    id_birth_date,
    id_check_char,
    id_gender,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    normalize_name,
    normalize_phone,
)
from lms.people.models import Person

TODAY = datetime.date(2026, 3, 5)


def id_number(born: datetime.date | str = "19800517", sequence: str = "001") -> str:
    """A valid ID number: area 140121, the birth date, a 3-digit sequence, the check char."""
    born = born if isinstance(born, str) else f"{born:%Y%m%d}"
    first17 = f"140121{born}{sequence}"
    return first17 + id_check_char(first17)


@pytest.fixture(autouse=True)
def today_is(monkeypatch):
    """Fix the date identity.py calls today (it asks the clock and takes no argument for it),
    so no test here depends on when it runs. Call it to move to another day."""

    def fix(day: datetime.date):
        class FixedDate(datetime.date):
            @classmethod
            def today(cls):
                return cls(day.year, day.month, day.day)

        monkeypatch.setattr(identity, "datetime", types.SimpleNamespace(date=FixedDate))

    fix(TODAY)
    return fix


# --- Gender and birth date from the ID number ---------------------------------------------------


@pytest.mark.parametrize(
    "seventeenth, gender",
    [
        ("0", "F"),
        ("1", "M"),
        ("2", "F"),
        ("3", "M"),
        ("4", "F"),
        ("5", "M"),
        ("6", "F"),
        ("7", "M"),
        ("8", "F"),
        ("9", "M"),
    ],
)
def test_gender_comes_from_the_id_numbers_seventeenth_digit(seventeenth, gender):
    assert id_gender(id_number(sequence="00" + seventeenth)) == gender


def test_gender_ignores_the_other_sequence_digits():
    assert id_gender(id_number(sequence="991")) == "M"  # 男
    assert id_gender(id_number(sequence="110")) == "F"  # 女


@pytest.mark.django_db
def test_a_person_saved_with_only_an_id_number_gets_gender_and_birth_date(village_a):
    woman = Person(name="李四", village=village_a, id_number=id_number("19750203", "124"))
    man = Person(name="张三", village=village_a, id_number=id_number("19750203", "137"))

    woman.full_clean()
    man.full_clean()

    assert (woman.gender, woman.birth_date) == ("F", datetime.date(1975, 2, 3))
    assert (man.gender, man.birth_date) == ("M", datetime.date(1975, 2, 3))


@pytest.mark.django_db
def test_a_gender_and_birth_date_already_recorded_are_kept(village_a):
    person = Person(
        name="张三",
        village=village_a,
        id_number=id_number("19750203", "137"),
        gender="F",
        birth_date=datetime.date(1975, 2, 4),
    )
    person.full_clean()
    assert (person.gender, person.birth_date) == ("F", datetime.date(1975, 2, 4))


def test_birth_date_is_read_from_digits_seven_to_fourteen():
    assert id_birth_date(id_number("19491231")) == datetime.date(1949, 12, 31)
    assert id_birth_date(id_number("20000229")) == datetime.date(2000, 2, 29)


def test_a_birth_date_today_is_accepted():
    value = id_number(TODAY)
    assert normalize_id_number(value) == value
    assert id_birth_date(value) == TODAY


def test_a_birth_date_tomorrow_is_refused():
    value = id_number(TODAY + datetime.timedelta(days=1))
    assert id_birth_date(value) is None
    with pytest.raises(ValidationError) as error:
        normalize_id_number(value)
    assert error.value.code == "id_number_birth_date"


def test_the_same_birth_date_is_accepted_once_its_day_comes(today_is):
    value = id_number("20260306")
    with pytest.raises(ValidationError):
        normalize_id_number(value)
    today_is(datetime.date(2026, 3, 6))
    assert normalize_id_number(value) == value


def test_births_from_1900_on_are_accepted_and_earlier_ones_refused():
    assert id_birth_date(id_number("19000101")) == datetime.date(1900, 1, 1)
    assert id_birth_date(id_number("18991231")) is None
    with pytest.raises(ValidationError) as error:
        normalize_id_number(id_number("18991231"))
    assert error.value.code == "id_number_birth_date"


@pytest.mark.parametrize("born", ["19490230", "19490001", "19491200", "19010229"])
def test_impossible_calendar_dates_are_refused(born):
    assert id_birth_date(id_number(born)) is None
    with pytest.raises(ValidationError) as error:
        normalize_id_number(id_number(born))
    assert error.value.code == "id_number_birth_date"


# --- How an ID number may be typed ----------------------------------------------------------------

VALID_ID = "11010519491231002X"


@pytest.mark.parametrize(
    "typed",
    [
        "110105-19491231-002X",
        "110105 19491231 002X",
        "110105 - 19491231 - 002x",
        "1101-0519-4912-3100-2X",
        "110105\t19491231\n002X",
        "１１０１０５－１９４９１２３１－００２Ｘ",  # full-width digits, dashes and X
    ],
)
def test_an_id_number_typed_with_dashes_or_spaces_is_normalised(typed):
    assert normalize_id_number(typed) == VALID_ID


def test_a_lower_case_x_check_character_is_accepted():
    assert normalize_id_number("11010519491231002x") == VALID_ID


@pytest.mark.parametrize("typed", ["110105/19491231/002X", "110105_19491231_002X"])
def test_other_separators_in_an_id_number_are_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalize_id_number(typed)
    assert error.value.code == "id_number_format"


@pytest.mark.parametrize(
    "typed",
    ["11010519491231002X1", "1101051949123100X2", "X10105194912310021", "11010519491231002Y"],
)
def test_an_id_number_not_17_digits_and_a_check_character_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalize_id_number(typed)
    assert error.value.code == "id_number_format"


def test_every_wrong_check_character_is_refused():
    first17 = VALID_ID[:17]
    for wrong in "0123456789":
        with pytest.raises(ValidationError) as error:
            normalize_id_number(first17 + wrong)
        assert error.value.code == "id_number_checksum"


@pytest.mark.parametrize(
    "valid",
    [
        "440301199001010071",  # weighted sum % 11 == 0
        "440301199001010020",
        "44030119900101008X",  # == 2: the only letter
        "440301199001010039",
        "440301199001010098",
        "440301199001010047",
        "440301199001010186",
        "440301199001010055",
        "440301199001010004",
        "440301199001010063",
        "440301199001010012",  # == 10
        "11010519491231002X",  # the example in GB 11643-1999
    ],
)
def test_the_check_character_follows_gb_11643(valid):
    assert id_check_char(valid[:17]) == valid[17]
    assert normalize_id_number(valid) == valid


def test_the_check_character_of_the_standards_1880_example():
    assert id_check_char("44052418800101001") == "4"  # 440524188001010014


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "--"])
def test_an_empty_id_number_is_no_id_number(value):
    assert normalize_id_number(value) == ""


@pytest.mark.parametrize("value", ["1.40121E+17", "1.40121e17", "1.4012119800517E+17"])
def test_an_id_number_in_scientific_notation_is_explained(value):
    with pytest.raises(ValidationError) as error:
        normalize_id_number(value)
    assert error.value.code == "id_number_numeric"


def test_a_15_digit_id_number_typed_with_spaces_asks_for_the_18_digit_one():
    with pytest.raises(ValidationError) as error:
        normalize_id_number("110105 491231 002")
    assert error.value.code == "id_number_15"


# --- What the secretary is told -------------------------------------------------------------


@pytest.mark.parametrize(
    "normalize, value, told",
    [
        (
            normalize_id_number,
            1.40121e17,
            "表格把身份证号存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写。",
        ),
        (normalize_id_number, "110105491231002", "这是 15 位身份证号，请使用 18 位身份证号。"),
        (normalize_id_number, "11010519491231002", "身份证号应为 17 位数字加 1 位数字或 X。"),
        (
            normalize_id_number,
            "110105194912310021",
            "身份证号校验位不正确，请检查是否有输错的数字。",
        ),
        (normalize_id_number, id_number("20260306"), "身份证号中的出生日期不存在。"),
        (normalize_phone, 13800138000.5, "请输入有效的电话号码。"),
        (normalize_phone, "138-0013-800a", "请输入有效的电话号码。"),
        (normalize_phone, "+1 415 555 0100", "只接受中国大陆的电话号码（+86）。"),
        (normalize_phone, "12800138000", "请输入 11 位手机号，或带区号的固定电话。"),
    ],
)
def test_a_refused_identifier_says_why_in_the_townships_language(normalize, value, told):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as error:
        normalize(value)
    assert error.value.messages == [told]


# --- Invisible characters and names -------------------------------------------------------------


def test_zero_width_characters_pasted_from_chat_apps_are_dropped():
    assert normalize_name("张\u200b三\u200d") == "张三"
    assert normalize_phone("138\u200b0013\u200b8000\u2060") == "13800138000"
    assert normalize_id_number("\ufeff11010519491231002X\u200e") == VALID_ID


@pytest.mark.parametrize(
    "raw, clean",
    [
        (None, ""),
        ("", ""),
        ("Abdulla · Mamat", "Abdulla·Mamat"),
        ("Abdulla\u00a0 Mamat ", "Abdulla Mamat"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽．买买提", "阿依古丽·买买提"),
    ],
)
def test_names_keep_one_middle_dot_and_single_spaces(raw, clean):
    assert normalize_name(raw) == clean


# --- Phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_mobile_numbers_starting_13_to_19_are_accepted(prefix):
    assert normalize_phone(prefix + "800138000") == prefix + "800138000"


@pytest.mark.parametrize("prefix", ["10", "11", "12"])
def test_a_mobile_number_starting_10_to_12_is_refused(prefix):
    with pytest.raises(ValidationError) as error:
        normalize_phone(prefix + "800138000")
    assert error.value.code == "phone_format"


@pytest.mark.parametrize("value", ["1380013800", "138001380001"])
def test_a_mobile_number_must_have_exactly_eleven_digits(value):
    with pytest.raises(ValidationError) as error:
        normalize_phone(value)
    assert error.value.code == "phone_format"


@pytest.mark.parametrize(
    "typed, normalised",
    [
        ("010-12345678", "010-12345678"),  # Beijing
        ("(010) 1234 5678", "010-12345678"),
        ("021-87654321", "021-87654321"),  # Shanghai
        ("021 8765 4321", "021-87654321"),
        ("020-12345678", "020-12345678"),  # Guangzhou
        ("02012345678", "020-12345678"),
        ("022-1234567", "022-1234567"),  # Tianjin, a 7-digit local number
        ("023-12345678", "023-12345678"),  # Chongqing
        ("029-12345678", "029-12345678"),  # Xi'an
        ("0351-1234567", "0351-1234567"),  # four-digit area codes
        ("0351-12345678", "0351-12345678"),
        ("0991 1234567", "0991-1234567"),
        ("（0351）1234567", "0351-1234567"),  # full-width brackets
        ("0351–1234567", "0351-1234567"),  # an en dash from a word processor
        ("+86 0351 1234567", "0351-1234567"),
        ("0086 010 12345678", "010-12345678"),
    ],
)
def test_landlines_keep_their_area_code(typed, normalised):
    assert normalize_phone(typed) == normalised


def test_a_landline_area_code_is_read_by_its_digits_not_where_the_dash_was_typed():
    # 010–029 are three-digit codes, so the fourth digit starts the local number.
    assert normalize_phone("0211-2345678") == "021-12345678"
    assert normalize_phone("035-11234567") == "0351-1234567"


@pytest.mark.parametrize(
    "value",
    [
        "010-123456",  # local number too short
        "010-123456789",  # and too long
        "0351-123456",
        "0351-123456789",
        "001-12345678",  # 00 is no area code
        "12345678",  # a local number without its area code
    ],
)
def test_a_landline_without_a_proper_area_code_and_length_is_refused(value):
    with pytest.raises(ValidationError) as error:
        normalize_phone(value)
    assert error.value.code == "phone_format"


@pytest.mark.parametrize("value", ["+1 415 555 0100", "+44 20 7946 0958", "+852 2123 4567"])
def test_a_phone_outside_the_mainland_is_refused_as_such(value):
    with pytest.raises(ValidationError) as error:
        normalize_phone(value)
    assert error.value.code == "phone_country"


def test_an_86_prefix_is_only_a_country_code_in_front_of_eleven_digits():
    assert normalize_phone("8613800138000") == "13800138000"
    with pytest.raises(ValidationError):
        normalize_phone("861380013800")  # twelve digits: no country code to strip


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_an_empty_phone_is_no_phone(value):
    assert normalize_phone(value) == ""


def test_a_phone_number_cell_with_decimals_is_refused():
    with pytest.raises(ValidationError) as error:
        normalize_phone(13800138000.5)
    assert error.value.code == "phone_format"


def test_a_phone_written_out_as_a_float_text_is_read():
    assert normalize_phone("13800138000.0") == "13800138000"
    assert normalize_phone("13800138000.00") == "13800138000"


# --- Masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, masked",
    [
        ("", ""),
        ("1", "*"),
        ("110105", "******"),
        ("1101051949", "**********"),  # ten characters: nothing shown
        ("11010519491", "110105*9491"),  # eleven: first six and last four
        ("110105491231002", "110105*****1002"),
        ("11010519491231002X", "110105********002X"),
    ],
)
def test_mask_id_number_shows_nothing_of_a_short_value(value, masked):
    assert mask_id_number(value) == masked


def test_mask_id_number_keeps_the_length():
    assert len(mask_id_number(VALID_ID)) == 18
    assert mask_id_number(VALID_ID).count("*") == 8


@pytest.mark.parametrize(
    "value, masked",
    [
        ("", ""),
        ("1", "*"),
        ("12345", "*****"),
        ("1234567", "*******"),  # seven digits: nothing shown
        ("12345678", "123*5678"),  # eight: first three and last four
        ("13800138000", "138****8000"),  # a mobile, exactly eleven
        ("010-12345678", "010-****5678"),  # a landline: area code and last four
        ("021-1234567", "021-***4567"),
        ("0351-1234567", "0351-***4567"),
        ("0351-12345678", "0351-****5678"),
    ],
)
def test_mask_phone_shows_nothing_of_a_short_value(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    "name, masked",
    [
        ("", ""),
        (None, ""),
        ("张", "张"),
        ("张三", "张*"),
        ("王𫖯", "王*"),  # a character outside the BMP is one character, not two halves
        ("𫖯王", "𫖯*"),
        ("乔峰主", "乔*主"),
        ("欧阳娜娜", "欧**娜"),
        ("阿依古丽·买买提", "阿依古丽·买**"),
        ("阿依古丽·买", "阿依古丽·*"),  # a one-character family name is masked too
        ("阿依古丽·", "阿依古丽·"),
        ("John Smith", "J********h"),
    ],
)
def test_mask_name_shows_what_a_public_page_may(name, masked):
    assert mask_name(name) == masked


# --- Found by mutation testing afterwards -------------------------------------------------------


@pytest.mark.parametrize("value", [VALID_ID[:16], VALID_ID])
def test_a_check_character_is_only_computed_from_exactly_17_digits(value):
    # 16 or 18 characters are a caller's mistake, never a silently wrong check character.
    with pytest.raises(ValueError):
        id_check_char(value)


@pytest.mark.parametrize(
    "value",
    [
        "001 380 013 8000",  # 00 and a North American number: 13 digits, no 86 in front
        "1213800138000",
    ],
)
def test_only_an_86_in_front_of_thirteen_digits_is_taken_for_the_country_code(value):
    with pytest.raises(ValidationError) as error:
        normalize_phone(value)
    assert error.value.code == "phone_format"


@pytest.mark.parametrize("value", ["138-0013-800a", "电话13800138000", "+86 138OO138000"])
def test_a_phone_with_letters_is_refused_as_a_wrong_format(value):
    with pytest.raises(ValidationError) as error:
        normalize_phone(value)
    assert error.value.code == "phone_format"


def test_a_phone_number_cell_without_decimals_is_read():
    assert normalize_phone(13800138000.0) == "13800138000"


@pytest.mark.parametrize(
    "stored, masked",
    [
        ("010-1234-5678", "010-*****5678"),  # typed with a second dash, kept as typed
        ("0351-123-4567", "0351-****4567"),
    ],
)
def test_mask_phone_hides_the_middle_of_a_landline_whatever_its_dashes(stored, masked):
    assert mask_phone(stored) == masked
