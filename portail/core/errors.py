from django.core.exceptions import ValidationError


class BusinessError(ValidationError):
    """A rule refused the change; `field` says where to show the message (None: at the top of the form)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field
        self.text = message


def report_to_form(form, error: BusinessError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.text)
