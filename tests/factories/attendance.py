import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from attendance.models import SessionKind, TrainingSession
from lms.ledger.models import Track
from tests.factories.people import VillageFactory


def kind(name: str = SessionKind.DEFAULT) -> SessionKind:
    return SessionKind.objects.get_or_create(name=name)[0]


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    """A session in progress by default: it started 5 minutes ago and runs two hours."""

    class Meta:
        model = TrainingSession

    kind = factory.LazyFunction(kind)
    topic = factory.Sequence(lambda n: f"大棚蔬菜种植技术 第{n}期")
    track = Track.SKILLS
    village = factory.SubFactory(VillageFactory)
    venue = "村委会议室"
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=5))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    trainer_name = "县农业技术推广站"
    study_hours = Decimal("2.0")
