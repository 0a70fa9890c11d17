import datetime
import itertools

import factory
from django.contrib.auth import get_user_model

from lms.people.identity import id_check_char
from lms.people.models import Household, PartyBranch, Person, Township, Village

_sequence = itertools.count(1)


def make_id_number(born=datetime.date(1980, 5, 17), male=True, area="140121") -> str:
    """A valid 18-character ID number, unique per call."""
    serial = next(_sequence) % 500
    sequence = serial * 2 + (1 if male else 0)
    first17 = f"{area}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        django_get_or_create = ("name",)

    name = "东沟乡"


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        django_get_or_create = ("township", "name")

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"第{n}村")


class PartyBranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyBranch

    township = factory.SelfAttribute("village.township")
    village = factory.SubFactory(VillageFactory)
    name = factory.LazyAttribute(lambda o: f"{o.village.name}党支部")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"{n:05d}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"村民{n}")
    village = factory.SubFactory(VillageFactory)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    id_number = factory.LazyFunction(make_id_number)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-123")
