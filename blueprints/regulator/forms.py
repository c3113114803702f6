"""The regulator's inbox filters, and the status report on a submitted case.

The inbox filters are a GET form read strictly, as the audit log's are: a filter that does not
parse is shown next to its field with a 400, never silently dropped, for an inbox read with a
filter quietly reset shows cases the regulator believes were excluded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    Form,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional

from blueprints.complaints.forms import LocalDateField
from blueprints.forms import AppForm, date_in_range, one_of_the_choices, positive
from models import Category, ClockKind, Company, SubmissionStatus
from services.clocks.running import REASON_MAX
from services.platform.i18n import localized
from services.platform.labels import CLOCK_KIND, OUTCOME, SUBMISSION_STATUS
from services.submissions.lifecycle import NOTE_MAX, OUTCOMES
from services.submissions.regulator_inbox import InboxFilters

#: every status but the first, which only submitting sets
REPORTABLE = [s for s in SubmissionStatus if s is not SubmissionStatus.SUBMITTED]


class StatusForm(AppForm):
    status = SelectField(
        _l("New status"),
        choices=[SelectChoice(s.value, SUBMISSION_STATUS[s]) for s in REPORTABLE],
        validators=[DataRequired()],
    )
    outcome = SelectField(
        _l("Outcome (when resolved)"),
        choices=[SelectChoice("", _l("—")), *[SelectChoice(o, OUTCOME[o]) for o in OUTCOMES]],
        default="",
    )
    note = TextAreaField(
        _l("Note for the members"),
        description=_l(
            "Required for the company's answer (paste it here) and for a rejection (the reason). "
            "Members read it on the case timeline."
        ),
        render_kw={"maxlength": NOTE_MAX, "rows": 6},
    )


class PeriodField(IntegerField):
    """A deadline's period whose parse error is a sentence in the regulator's language."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            message = _l("Enter the new period as a whole number, e.g. 30.")
            raise ValueError(str(message)) from error


class ExtensionForm(AppForm):
    """An extension of one deadline: its new whole period and the reason, both kept."""

    clock = SelectField(
        _l("Deadline"),
        choices=[SelectChoice(k.value, CLOCK_KIND[k]) for k in ClockKind],
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose the deadline to extend.")), one_of_the_choices],
    )

    period = PeriodField(
        _l("New period (in the deadline's unit)"),
        validators=[DataRequired(message=_l("Enter the new period as a whole number."))],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Members read that the deadline moved; the audit log keeps the reason."),
        validators=[DataRequired(message=_l("Give the reason for the extension."))],
        render_kw={"maxlength": REASON_MAX, "rows": 3},
    )


class TokenForm(AppForm):
    name = StringField(
        _l("Name"),
        description=_l("What will use it, e.g. “case management system”."),
        validators=[DataRequired(message=_l("Give the token a name."))],
        render_kw={"maxlength": 80},
    )


class MemberCountField(IntegerField):
    """A number of members whose parse error is a sentence in the regulator's language."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            message = _l("Enter the number of members as a whole number, e.g. 10.")
            raise ValueError(str(message)) from error


def _id_for(value: str | None, ids_by_code: dict[str, int]) -> str | None:
    """The id (as the lists hold it) of the company or category a value names by its code; a
    listed id, or a value naming nothing, is left as it is (for the list check to judge). An id
    wins over a code that reads like another's id."""
    listed = {str(id_) for id_ in ids_by_code.values()}
    if value is None or value in listed or value not in ids_by_code:
        return value
    return str(ids_by_code[value])


def _select(
    label: str, choices: list[SelectChoice] | None = None, default: str = ""
) -> SelectField:
    return SelectField(
        label,
        choices=choices,
        default=default,
        validate_choice=False,
        validators=[one_of_the_choices],
    )


class InboxFilterForm(Form):
    """The inbox filters; the query string keeps its names (``from``, ``to``) for links
    already shared."""

    company = _select(_l("Company"))
    category = _select(_l("Category"))
    status = _select(
        _l("Status"),
        [
            SelectChoice("", _l("Any status")),
            *(SelectChoice(s.value, SUBMISSION_STATUS[s]) for s in SubmissionStatus),
        ],
    )
    submitted_from = LocalDateField(
        _l("Submitted from"), name="from", validators=[Optional(), date_in_range]
    )
    submitted_to = LocalDateField(
        _l("Submitted until"), name="to", validators=[Optional(), date_in_range]
    )
    min_members = MemberCountField(
        _l("At least this many members"),
        validators=[Optional(), positive(_l("Enter a number of members of 1 or more."))],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    deadline = _select(
        _l("Deadlines"),
        [
            SelectChoice("", _l("Any deadline")),
            SelectChoice("overdue", _l("Overdue now")),
            SelectChoice("due_soon", _l("Due within three days")),
            SelectChoice("missed", _l("A deadline was missed")),
        ],
    )
    sort = _select(
        _l("Order"),
        [
            SelectChoice("newest", _l("Newest first")),
            SelectChoice("oldest", _l("Oldest first")),
            SelectChoice("size", _l("Most members first")),
            SelectChoice("due", _l("Nearest deadline first")),
        ],
        default="newest",
    )

    def set_choices(self, companies: list[Company], categories: list[Category]) -> None:
        """The companies and categories of this inbox, named in the user's language. Each is
        chosen by its id (the page's lists) or by its code (``alipay``, ``refund``: the API's
        names), so that the page and the API accept the same values."""
        self.company.choices = [
            SelectChoice("", str(_l("Any company"))),
            *(SelectChoice(str(c.id), localized(c, "name")) for c in companies),
        ]
        self.category.choices = [
            SelectChoice("", str(_l("Any category"))),
            *(SelectChoice(str(c.id), localized(c, "label")) for c in categories),
        ]
        self.company.data = _id_for(self.company.data, {c.slug: c.id for c in companies})
        self.category.data = _id_for(self.category.data, {c.code: c.id for c in categories})

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        if not super().validate(extra_validators):
            return False
        start, end = self.submitted_from.data, self.submitted_to.data
        if start and end and end < start:
            self.submitted_to.errors = [str(_l("The end of the date range is before its start."))]
            return False
        return True

    def filters(self) -> InboxFilters:
        """The filters of a validated form."""
        return InboxFilters(
            company_id=int(self.company.data) if self.company.data else None,
            category_id=int(self.category.data) if self.category.data else None,
            status=SubmissionStatus(self.status.data) if self.status.data else None,
            submitted_from=self.submitted_from.data,
            submitted_to=self.submitted_to.data,
            min_members=self.min_members.data,
            deadline=self.deadline.data or None,
            sort=self.sort.data or "newest",
        )

    def query_args(self) -> dict[str, str]:
        """The filters as the query string of the page links (dates as YYYY-MM-DD)."""
        return {
            field.name: field.data.isoformat() if isinstance(field.data, date) else str(field.data)
            for field in self
            if field.data
        }
