"""WTForms' own messages speak the request's language, from a catalog read once per language
(Flask-WTF read it from disk for every request that built a form)."""

from __future__ import annotations

from flask import Flask
from flask_babel import refresh
from wtforms import StringField
from wtforms.validators import DataRequired

from blueprints import forms


class _NameForm(forms.AppForm):
    name = StringField(validators=[DataRequired()])  # WTForms' own message


def _errors(app: Flask, language: str) -> list[str]:
    with app.test_request_context(
        "/", method="POST", data={}, headers={"Accept-Language": language}
    ):
        refresh()  # the test's app context outlives each request's: forget the last locale
        form = _NameForm(meta={"csrf": False})
        assert not form.validate()
        return list(form.name.errors)


def test_wtforms_messages_follow_the_language_from_a_catalog_kept_per_language(
    app: Flask,
) -> None:
    forms._wtforms_catalog.cache_clear()
    assert _errors(app, "zh-CN") == ["该字段是必填字段。"]
    assert _errors(app, "en") == ["This field is required."]
    for _ in range(3):
        assert _errors(app, "zh-CN") == ["该字段是必填字段。"]
    # five requests, two languages: each catalog read once
    assert forms._wtforms_catalog.cache_info().misses == 2
