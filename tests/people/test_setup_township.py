"""`manage.py setup_township NAME --villages V1,V2`: the places a roster may name."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from lms.people.models import Person, Township, Village

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def setup_township(*args) -> str:
    stdout = io.StringIO()
    call_command("setup_township", *args, stdout=stdout)
    return stdout.getvalue()


def villages_of(name: str) -> list[str]:
    return sorted(Village.objects.filter(township__name=name).values_list("name", flat=True))


def test_creates_the_township_and_its_villages():
    stdout = setup_township("东沟乡", "--villages", "东沟村,西沟村")

    assert Township.objects.filter(name="东沟乡").exists()
    assert villages_of("东沟乡") == ["东沟村", "西沟村"]
    assert "2 villages, 2 new" in stdout


def test_running_it_again_changes_nothing():
    setup_township("东沟乡", "--villages", "东沟村,西沟村")

    stdout = setup_township("东沟乡", "--villages", "东沟村,西沟村")

    assert Township.objects.count() == 1
    assert villages_of("东沟乡") == ["东沟村", "西沟村"]
    assert "2 villages, 0 new" in stdout


def test_running_it_with_another_village_adds_only_that_village():
    setup_township("东沟乡", "--villages", "东沟村,西沟村")
    east = Village.objects.get(name="东沟村")

    stdout = setup_township("东沟乡", "--villages", "东沟村，南沟村")

    assert villages_of("东沟乡") == ["东沟村", "南沟村", "西沟村"]
    assert Village.objects.get(name="东沟村").pk == east.pk
    assert "+ 南沟村" in stdout and "+ 东沟村" not in stdout


def test_names_are_trimmed_and_chinese_separators_accepted():
    setup_township("\u3000东沟乡 ", "--villages", " 东沟村 、西沟村；\u3000北沟村,,")

    assert list(Township.objects.values_list("name", flat=True)) == ["东沟乡"]
    assert villages_of("东沟乡") == ["东沟村", "北沟村", "西沟村"]


def test_an_empty_township_name_is_refused():
    with pytest.raises(CommandError):
        setup_township("  ", "--villages", "东沟村")

    assert not Township.objects.exists() and not Village.objects.exists()


def test_villages_it_creates_are_the_ones_a_roster_may_name(tmp_path):
    setup_township("东沟乡", "--villages", "东沟村")
    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,村\n张三,东沟村\n李四,西沟村\n", encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("import_people", str(roster), stdout=io.StringIO(), stderr=io.StringIO())
    setup_township("东沟乡", "--villages", "西沟村")
    call_command("import_people", str(roster), stdout=io.StringIO(), stderr=io.StringIO())

    assert sorted(Person.objects.values_list("name", "village__name")) == [
        ("张三", "东沟村"),
        ("李四", "西沟村"),
    ]


def test_a_village_named_with_or_without_cun_is_not_created_twice(db):
    call_command("setup_township", "东沟乡", "--villages", "东沟村,西沟", stdout=io.StringIO())

    call_command("setup_township", "东沟乡", "--villages", "东沟,西沟村", stdout=io.StringIO())

    names = sorted(Village.objects.values_list("name", flat=True))
    assert names == ["东沟村", "西沟"]
