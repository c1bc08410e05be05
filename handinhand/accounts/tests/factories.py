"""Factories of this app's rows for tests (factory_boy). The fixed cast (handinhand/conftest.py)
is built from them; a test that needs one more person makes it the same way."""

from __future__ import annotations

from typing import Any

import factory

from handinhand.accounts.models import Role, RoleAssignment, User

# Every person a test makes signs in with it (the suite hashes it with MD5 for speed).
PASSWORD = "Cast-Passw0rd!"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        # set_password() then one save(), as a person's sign-up does: the password is hashed
        # with the hasher of the moment and Django's password_changed hooks see it.
        password = kwargs.pop("password")
        user = model_class(**kwargs)  # a model takes keywords only
        user.set_password(password)
        user.save()
        return user


class RoleAssignmentFactory(factory.django.DjangoModelFactory[RoleAssignment]):
    """A role held by a user; pass region= or school= for the roles that are anchored."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.PROVINCE_ADMIN
