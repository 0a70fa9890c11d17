"""The demo township 东沟乡: villages, branches, households, a few hundred people, a user per role.

Deterministic (a fixed random seed) and idempotent: people are keyed by ID number, users by
user name, so running it again changes nothing. Later apps add their own demo data through
their own demo modules, gathered by `manage.py seed_demo` (lms.home).
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from .identity import id_check_char
from .models import Household, PartyBranch, Person, RoleAssignment
from .services import role_assign, township_setup

TOWNSHIP = "东沟乡"
VILLAGES = [
    "东沟村",
    "西沟村",
    "南沟村",
    "北沟村",
    "前进村",
    "红旗村",
    "柳树村",
    "杨家庄村",
    "李家湾村",
    "王家坪村",
    "石门村",
    "河口村",
    "新庄村",
    "白杨村",
    "马坊村",
    "清泉村",
]
PEOPLE_PER_VILLAGE = 20
DEMO_PASSWORD = "shuangyu-demo"
# Area code of a county in Shanxi; every demo ID number is valid and checksummed.
AREA_CODE = "140121"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建国志强春梅海燕红梅"
ETHNICITIES = ["汉族"] * 18 + ["回族", "蒙古族"]


def demo_id_number(rng: random.Random, born: datetime.date, male: bool) -> str:
    sequence = rng.randrange(0, 99) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    first17 = f"{AREA_CODE}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


@transaction.atomic
def seed_people() -> dict:
    rng = random.Random(20261127)
    township, _new = township_setup(name=TOWNSHIP, village_names=VILLAGES)
    if not township.code:
        township.code = "DG"  # its certificates are numbered DG-2026-000001, …
        township.save(update_fields=["code"])
    villages = {v.name: v for v in township.villages.all()}
    created = 0
    for village_index, village_name in enumerate(VILLAGES):
        village = villages[village_name]
        branch, _c = PartyBranch.objects.get_or_create(
            township=township, name=f"{village_name}党支部", defaults={"village": village}
        )
        household = None
        for index in range(PEOPLE_PER_VILLAGE):
            male = rng.random() < 0.55
            born = datetime.date(rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28))
            id_number = demo_id_number(rng, born, male)
            if index % 3 == 0:
                household, _c = Household.objects.get_or_create(
                    village=village, number=f"{village_index + 1:02d}{index // 3 + 1:03d}"
                )
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))
            party = rng.random() < 0.35
            has_phone = rng.random() < 0.85
            phone = f"13{rng.randint(5, 9)}{rng.randint(0, 99999999):08d}" if has_phone else ""
            _person, was_created = Person.objects.update_or_create(
                id_number=id_number,
                defaults={
                    "name": name,
                    "gender": "M" if male else "F",
                    "birth_date": born,
                    "ethnicity": rng.choice(ETHNICITIES),
                    "phone": phone,
                    "village": village,
                    "household": household,
                    "is_party_member": party,
                    "branch": branch if party else None,
                },
            )
            created += was_created
    return {"township": township, "villages": villages, "created": created}


def _user(username: str, *, first_name: str, superuser: bool = False):
    User = get_user_model()
    user, _created = User.objects.get_or_create(username=username)
    user.first_name = first_name
    user.is_superuser = superuser
    user.is_staff = superuser
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def seed_users(township, villages) -> list[tuple[str, str, str]]:
    """One login per role. Returns (role label, login, password) rows to print."""
    Role = RoleAssignment.Role
    admin = _user("admin", first_name="管理员", superuser=True)
    role_assign(user=admin, role=Role.ADMINISTRATOR, township=None)
    staff = _user("staff", first_name="乡党委干部")
    role_assign(user=staff, role=Role.TOWNSHIP_STAFF, township=township)
    organizer = _user("organizer", first_name="农技员")
    role_assign(
        user=organizer,
        role=Role.ORGANIZER,
        township=township,
        villages=[villages["东沟村"], villages["西沟村"]],
    )
    secretary = _user("secretary", first_name="东沟村支书")
    role_assign(
        user=secretary, role=Role.SECRETARY, township=township, villages=[villages["东沟村"]]
    )

    learner_person = (
        Person.objects.filter(village=villages["东沟村"], is_party_member=True)
        .exclude(phone="")
        .order_by("id_number")
        .first()
    )
    learner = learner_person.user or _user(learner_person.phone, first_name=learner_person.name)
    learner.set_password(DEMO_PASSWORD)
    learner.save()
    if learner_person.user_id != learner.pk:
        learner_person.user = learner
        learner_person.save(update_fields=["user"])
    return [
        ("administrator", "admin", DEMO_PASSWORD),
        ("township staff", "staff", DEMO_PASSWORD),
        ("organizer (东沟村, 西沟村)", "organizer", DEMO_PASSWORD),
        ("village secretary (东沟村)", "secretary", DEMO_PASSWORD),
        (f"learner {learner_person.name}", learner_person.phone, DEMO_PASSWORD),
    ]
