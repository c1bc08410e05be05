from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _lazy

# The one wording of "someone else saved this since you loaded it", on pages and in the API.
CONFLICT_MESSAGE = _lazy("该记录已被他人修改，请刷新后重试")


class ConflictError(Exception):
    """Someone else saved the record since this form was loaded (optimistic lock)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)

    @property
    def message(self) -> str:
        return str(CONFLICT_MESSAGE)


class ServiceValidationError(ValidationError):
    """A rule of the programme that a service refuses; carries Chinese messages per field."""


class PermissionDeniedError(Exception):
    """The actor may not perform this action; views answer 404 when the object is out of scope."""
