"""Factories of this app's rows for tests (factory_boy)."""

from __future__ import annotations

import factory

from handinhand.orgs.credit_code import make_credit_code
from handinhand.orgs.models import PartyOrgForm, School, SchoolType, University


class SchoolFactory(factory.django.DjangoModelFactory[School]):
    """A primary school in 湘东区 unless told otherwise, with a valid, unique credit code for
    its county."""

    class Meta:
        model = School

    class Params:
        serial = factory.Sequence(lambda n: n + 1)

    name = factory.Sequence(lambda n: f"测试学校{n}")
    county_id = "360313"
    credit_code = factory.LazyAttribute(lambda o: make_credit_code("12", o.county_id, o.serial))
    school_type = SchoolType.PRIMARY
    party_org_form = PartyOrgForm.BRANCH
    secretary = "张书记"
    student_count = 600
    teacher_count = 40


class UniversityFactory(factory.django.DjangoModelFactory[University]):
    class Meta:
        model = University

    name = factory.Sequence(lambda n: f"测试大学{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:4])
    code = factory.Sequence(lambda n: f"41360{n:05d}")
    city_id = "360100"
