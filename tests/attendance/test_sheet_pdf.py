"""The printed sign-in sheet: the invited roster, one line each, in the import's columns."""

import subprocess

import pytest

from attendance.registrations import registration_cancel, registration_invite
from attendance.sheet_pdf import (
    HEADINGS,
    WALK_IN_LINES,
    phone_tail,
    sign_in_sheet_html,
    sign_in_sheet_pdf,
)
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, topic="马铃薯脱毒种薯繁育", venue="村委会")


@pytest.fixture
def invited(session, village_a, village_b):
    people = [
        PersonFactory(name="阿依古丽·买买提", village=village_a, phone="13800135678"),
        PersonFactory(name="王𠮷", village=village_a, phone="13900001234"),
        PersonFactory(name="李䶮", village=village_b, phone=""),
    ]
    registration_invite(session=session, people=people)
    return people


def test_sheet_lists_every_invited_name_with_the_import_columns(session, invited, tmp_path):
    pdf = sign_in_sheet_pdf(session=session)

    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    for person in invited:
        assert person.name in text
    for heading in ["姓名", "村", "手机号", "签到状态"]:
        assert heading in text
    assert "马铃薯脱毒种薯繁育" in text
    assert "西沟村" in text


def test_sheet_prints_only_the_last_four_digits_of_a_phone(session, invited, tmp_path):
    text = pdf_text(sign_in_sheet_pdf(session=session), tmp_path)

    assert "****5678" in text
    assert "13800135678" not in text and "138" not in text.split("手机号", 1)[1].split("****")[0]


def test_sheet_columns_are_the_paper_sheet_import_headings():
    assert HEADINGS[1:5] == ["姓名", "村", "手机号", "签到状态"]


def test_sheet_leaves_empty_numbered_lines_for_walk_ins(session, invited):
    html = sign_in_sheet_html(session)

    assert html.count('class="walk-in"') == WALK_IN_LINES
    assert f'<td class="number">{len(invited) + WALK_IN_LINES}</td>' in html


def test_sheet_leaves_out_cancelled_and_waiting_people(session, invited, village_a):
    session.capacity = 3
    session.save()
    waiting = PersonFactory(name="赵候补", village=village_a)
    registration_invite(session=session, people=[waiting])
    registration = session.registrations.get(person=invited[0])
    registration_cancel(registration=registration)  # 赵候补 moves up into the freed place

    html = sign_in_sheet_html(session)

    assert "阿依古丽·买买提" not in html
    assert "赵候补" in html


def test_sheet_is_in_chinese_with_the_cjk_fonts_named(session, invited):
    html = sign_in_sheet_html(session)

    assert '<html lang="zh-CN">' in html
    assert '"Noto Serif CJK SC"' in html and '"Noto Sans CJK SC"' in html


def test_a_topic_with_quotes_cannot_break_out_of_the_page_footer(village_a):
    session = TrainingSessionFactory(village=village_a, topic='"; } </style><h1>x')

    html = sign_in_sheet_html(session)

    assert "</style><h1>x" not in html


def test_phone_tail():
    assert phone_tail("13800135678") == "****5678"
    assert phone_tail("0351-7654321") == "****4321"
    assert phone_tail("") == ""
