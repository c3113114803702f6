"""The case list's filters: a GET form, read strictly as the audit log's are. A filter that does
not parse is shown next to its field with a 400, never silently dropped: a list read with a
filter quietly reset shows cases the visitor believes were excluded."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from wtforms import (
    Form,
    HiddenField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, Length

from blueprints.forms import AppForm, one_of_the_choices
from models import CaseStatus, Category, Company, GroupCase
from services.cases.directory import CaseFilters
from services.platform.i18n import localized
from services.platform.labels import CASE_STATUS

#: longer searches are cut, as the input's ``maxlength`` does in the browser
QUERY_MAX = 100


def _cut(value: str | None) -> str:
    return (value or "")[:QUERY_MAX]


class CaseFilterForm(Form):
    #: the query arguments the form reads
    ARGS = ("q", "company", "category", "status", "sort")

    q = SearchField(_l("Company or title"), filters=[_cut], render_kw={"maxlength": QUERY_MAX})
    company = SelectField(
        _l("Company"), default="", validate_choice=False, validators=[one_of_the_choices]
    )
    category = SelectField(
        _l("Category"), default="", validate_choice=False, validators=[one_of_the_choices]
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("Any status")),
            *(SelectChoice(s.value, CASE_STATUS[s]) for s in CaseStatus),
        ],
        default="",
        validate_choice=False,
        validators=[one_of_the_choices],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("recent", _l("Latest activity")),
            SelectChoice("size", _l("Most members")),
        ],
        default="recent",
        validate_choice=False,
        validators=[one_of_the_choices],
    )

    def set_choices(self, companies: list[Company], categories: list[Category]) -> None:
        """The companies that have cases and every category, named in the user's language."""
        self.company.choices = [
            SelectChoice("", str(_l("All companies"))),
            *(SelectChoice(str(c.id), localized(c, "name")) for c in companies),
        ]
        self.category.choices = [
            SelectChoice("", str(_l("All categories"))),
            *(SelectChoice(str(c.id), localized(c, "label")) for c in categories),
        ]

    def filters(self) -> CaseFilters:
        """The filters of a validated form."""
        return CaseFilters(
            query=self.q.data or "",
            company_id=int(self.company.data) if self.company.data else None,
            category_id=int(self.category.data) if self.category.data else None,
            status=CaseStatus(self.status.data) if self.status.data else None,
            sort=self.sort.data or "recent",
        )

    def query_args(self) -> dict[str, str]:
        """The filters as the query string of the page links."""
        return {field.name: str(field.data) for field in self if field.data}


class CaseTitleForm(AppForm):
    """The organizers' form for the title in the interface's other language."""

    title_other = StringField(
        _l("The title in the other language"),
        description=_l("Leave empty to remove it."),
        filters=[lambda value: (value or "").strip()],
        validators=[Length(max=200, message=_l("The title must be at most 200 characters."))],
    )


class MergeProposalForm(AppForm):
    """An organizer proposes merging their case with another of the same company."""

    other = SelectField(
        _l("The other case"),
        validate_choice=False,
        validators=[
            DataRequired(message=_l("Choose the other case.")),
            one_of_the_choices,
        ],
    )
    keep = RadioField(
        _l("Which case continues?"),
        choices=[
            SelectChoice("this", _l("This case: the other one's members join it")),
            SelectChoice("other", _l("The other case: this one's members join it")),
        ],
        default="this",
        validate_choice=False,
        validators=[one_of_the_choices],
    )

    def set_choices(self, cases: list[GroupCase], title: Callable[[GroupCase], str]) -> None:
        self.other.choices = [
            SelectChoice("", str(_l("Choose a case"))),
            *(SelectChoice(c.public_id, f"{title(c)} · {c.member_count}") for c in cases),
        ]


class MergeAnswerForm(AppForm):
    """Accept, decline or withdraw one waiting merge (its id in a hidden field)."""

    DECISIONS = ("accept", "decline", "withdraw")

    merge = HiddenField(validators=[DataRequired()])
    decision = HiddenField(validators=[AnyOf(DECISIONS)])
