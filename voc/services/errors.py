"""Errors named for the rule a request broke, carrying (field, message) pairs for forms."""


class ServiceError(Exception):
    """A request the service refused; `errors` says which field and why."""

    def __init__(self, *errors: tuple[str, str]):
        super().__init__("; ".join(message for _, message in errors))
        self.errors = list(errors)


class InvalidInput(ServiceError):
    """A value breaks a rule of the data (range, length, unknown reference)."""


class DuplicateFeedback(ServiceError):
    """The same source and external id is already stored."""

    def __init__(self, existing_id: int, *errors: tuple[str, str]):
        super().__init__(*errors)
        self.existing_id = existing_id


class EmailInUse(InvalidInput):
    """Another customer already has the e-mail address; `existing` is that customer, to offer instead."""

    def __init__(self, existing, *errors: tuple[str, str]):
        super().__init__(*errors)
        self.existing = existing


class NotFound(ServiceError):
    """The record asked for does not exist."""


class StaleEdit(ServiceError):
    """Someone else saved the record after this form was opened; `changes` says what they did."""

    def __init__(self, changes: list, *errors: tuple[str, str]):
        super().__init__(*errors)
        self.changes = changes


class LockedOut(ServiceError):
    """Too many failed sign-ins for this account or from this address; `minutes` until it opens."""

    def __init__(self, minutes: int, *errors: tuple[str, str]):
        super().__init__(*errors)
        self.minutes = minutes


class InvalidItems(ServiceError):
    """Some items of a batch broke a rule, so none was stored; `items` holds (index, field, message)."""

    def __init__(self, items: list[tuple[int, str, str]]):
        super().__init__(*[(f"{index}-{field}", message) for index, field, message in items])
        self.items = items


class NotAllowed(ServiceError):
    """The user's role does not let them do this to someone else's record."""
