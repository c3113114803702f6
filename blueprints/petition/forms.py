"""Forms for drafting, signing and discussing the joint complaint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from blueprints.forms import AppForm, CheckboxesField
from services.petition.drafting import COMMENT_MAX, TEXT_MAX, TITLE_MAX, DraftInput


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class DraftForm(AppForm):
    title = StringField(
        _l("Title of the complaint"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please give the complaint a title.")),
            Length(max=TITLE_MAX, message=_l("The title must be at most 200 characters.")),
        ],
    )
    authority = SelectField(_l("Addressed to"), coerce=int)
    #: ids as sent; the service refuses any that is not an authority's, in the user's language
    also_to = CheckboxesField(
        _l("Also addressed to"),
        validate_choice=False,
        description=_l(
            "When members' complaints concern businesses under different authorities (the "
            "wallet's balance, the bank card behind it), the same signed text goes to each; "
            "each authority sees and tracks only its own copy."
        ),
    )
    facts = TextAreaField(
        _l("Facts"),
        description=_l(
            "What happened to the members, in figures. “Fill from the case” writes "
            "this from the case's own numbers."
        ),
        validators=[Length(max=TEXT_MAX, message=_l("This text is too long."))],
        render_kw={"rows": 8},
    )
    demands = TextAreaField(
        _l("Demands"),
        validators=[Length(max=TEXT_MAX, message=_l("This text is too long."))],
        render_kw={"rows": 5},
    )
    body_md = TextAreaField(
        _l("The complaint (Markdown)"),
        description=_l(
            "Headings with #, lists with -, emphasis with *word*. HTML is shown as text."
        ),
        validators=[Length(max=TEXT_MAX, message=_l("This text is too long."))],
        render_kw={"rows": 18},
    )

    def set_authorities(self, authorities: list[tuple[int, str]]) -> None:
        self.authority.choices = [SelectChoice("0", str(_l("Not chosen yet")))] + [
            SelectChoice(str(authority_id), name) for authority_id, name in authorities
        ]
        self.also_to.choices = [
            SelectChoice(str(authority_id), name) for authority_id, name in authorities
        ]

    def to_input(self) -> DraftInput:
        return DraftInput(
            title=self.title.data or "",
            authority_id=self.authority.data or None,
            also_to=tuple(int(v) if v.isdigit() else -1 for v in self.also_to.data or ()),
            facts=self.facts.data or "",
            demands=self.demands.data or "",
            body_md=self.body_md.data or "",
        )


class SignForm(AppForm):
    version_sha256 = HiddenField()
    facts_confirmed = BooleanField(
        _l("I confirm that the facts of my own complaint are true."),
        validators=[
            DataRequired(
                message=_l("Please confirm that the facts of your own complaint are true.")
            )
        ],
    )
    share_identity = RadioField(
        _l("What may the authority see?"),
        choices=[
            SelectChoice("pseudonym", _l("Only my pseudonym")),
            SelectChoice("identity", _l("My name and e-mail address, so it can contact me")),
        ],
        default="pseudonym",
        validators=[DataRequired(message=_l("Please choose what the authority may see."))],
    )


class CommentForm(AppForm):
    body = TextAreaField(
        _l("Your message"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please write a message.")),
            Length(max=COMMENT_MAX, message=_l("Write between 1 and 2,000 characters.")),
        ],
        render_kw={"rows": 3},
    )


class MemberRoleForm(AppForm):
    pseudonym = StringField(validators=[DataRequired(), Length(max=16)])
    action = HiddenField(validators=[DataRequired()])
