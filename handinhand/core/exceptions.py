from django.core.exceptions import ValidationError


class ConflictError(Exception):
    """Someone else saved the record since this form was loaded (optimistic lock)."""


class ServiceValidationError(ValidationError):
    """A rule of the programme that a service refuses; carries Chinese messages per field."""


class PermissionDeniedError(Exception):
    """The actor may not perform this action; views answer 404 when the object is out of scope."""
