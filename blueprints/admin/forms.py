"""The audit log's filters: a GET form, read strictly. A filter that does not parse is an error
the admin is told about (400), never silently dropped: a log read with a filter quietly ignored
shows events the admin believes were excluded."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from blueprints.complaints.forms import LocalDateField
from blueprints.forms import date_in_range, one_of_the_choices, positive
from services.audit.reading import AuditFilters


class WholeNumberField(IntegerField):
    """An id field whose parse error is a sentence in the admin's language."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Enter an account id as a whole number, e.g. 42."))) from error


BROKEN_LINK = _l("This page link is broken: start again from the newest events.")


class CursorField(IntegerField):
    """The "older" link's cursor: nobody types it, so a bad one is a broken link."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(BROKEN_LINK)) from error


POSITIVE = positive(_l("Enter a positive account id."))


class AuditFilterForm(Form):
    action = SelectField(_l("Action"), validate_choice=False, validators=[one_of_the_choices])
    actor = WholeNumberField(_l("Actor account id"), validators=[Optional(), POSITIVE])
    target_type = SelectField(
        _l("Target type"), validate_choice=False, validators=[one_of_the_choices]
    )
    target_id = StringField(
        _l("Target id"),
        validators=[
            Optional(),
            Length(max=40, message=_l("A target id is at most 40 characters long.")),
            Regexp(
                r"^[\w.:-]+\Z",
                message=_l("A target id has only letters, digits, “.”, “:” and “-”."),
            ),
        ],
    )
    since = LocalDateField(_l("From (UTC)"), validators=[Optional(), date_in_range])
    until = LocalDateField(_l("Until (UTC)"), validators=[Optional(), date_in_range])
    #: the keyset cursor of the "older" link
    before = CursorField(validators=[Optional(), positive(BROKEN_LINK)])

    def set_choices(self, actions: list[str], target_types: list[str]) -> None:
        self.action.choices = [("", str(_l("Any action"))), *((a, a) for a in actions)]
        self.target_type.choices = [("", str(_l("Any type"))), *((t, t) for t in target_types)]

    def validate(self, extra_validators: dict | None = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.since.data and self.until.data and self.until.data < self.since.data:
            self.until.errors = [str(_l("The end of the date range is before its start."))]
            return False
        return True

    def filters(self) -> AuditFilters:
        return AuditFilters(
            action=self.action.data or None,
            actor_id=self.actor.data,
            target_type=self.target_type.data or None,
            target_id=self.target_id.data or None,
            since=self.since.data,
            until=self.until.data,
            before_id=self.before.data,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as the query string of links (older page, CSV), cursor left out."""
        f = self.filters()
        args = {
            "action": f.action,
            "actor": f.actor_id,
            "target_type": f.target_type,
            "target_id": f.target_id,
            "since": f.since.isoformat() if f.since else None,
            "until": f.until.isoformat() if f.until else None,
        }
        return {name: str(value) for name, value in args.items() if value is not None}
