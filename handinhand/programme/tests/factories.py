"""Factories of this app's rows for tests (factory_boy)."""

from __future__ import annotations

import datetime as dt

import factory

from handinhand.accounts.tests.factories import UserFactory
from handinhand.orgs.tests.factories import SchoolFactory, UniversityFactory
from handinhand.programme.models import (
    Batch,
    BatchStatus,
    District,
    DistrictSchool,
    GroupLevel,
    GuidanceGroup,
    MemberRole,
    Membership,
    Pairing,
)
from handinhand.programme.pilot import PILOT_BATCH_NAME

PILOT_START = dt.date(2024, 3, 1)


class BatchFactory(factory.django.DjangoModelFactory[Batch]):
    """The pilot batch unless told otherwise."""

    class Meta:
        model = Batch

    number = factory.Sequence(lambda n: n + 1)
    name = PILOT_BATCH_NAME
    start_year = 2024
    status = BatchStatus.ACTIVE


class GroupFactory(factory.django.DjangoModelFactory[GuidanceGroup]):
    """A provincial guidance group led by a university."""

    class Meta:
        model = GuidanceGroup

    lead_university = factory.SubFactory(UniversityFactory)
    name = factory.LazyAttribute(lambda o: f"{o.lead_university.name}党建指导组")
    level = GroupLevel.PROVINCE
    region_id = "360000"
    batch = factory.SubFactory(BatchFactory)


class PairingFactory(factory.django.DjangoModelFactory[Pairing]):
    class Meta:
        model = Pairing

    group = factory.SubFactory(GroupFactory)
    batch = factory.SelfAttribute("group.batch")
    region_id = "360300"
    since = PILOT_START


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.INSTRUCTOR
    term_start = PILOT_START


class DistrictFactory(factory.django.DjangoModelFactory[District]):
    class Meta:
        model = District

    group = factory.SubFactory(GroupFactory)
    batch = factory.SelfAttribute("group.batch")
    name = factory.Sequence(lambda n: f"测试片区{n}")


class DistrictSchoolFactory(factory.django.DjangoModelFactory[DistrictSchool]):
    class Meta:
        model = DistrictSchool

    district = factory.SubFactory(DistrictFactory)
    school = factory.SubFactory(SchoolFactory)
    batch = factory.SelfAttribute("district.batch")
