"""Cross-site request forgery, tried on every state-changing route with CSRF protection on.

A forged request carries the victim's session cookie, so it is sent here by the very person
who may do the action (the authorization matrix's world and its allowed roles), from their own
logged-in session, with (a) no token, (b) a token from another session (an attacker's own
valid token), (c) their own token with its signature altered and (d) something that is no
token at all. Each must answer 400 with the "form has expired" page in the user's language and
leave every table exactly as it was; then the same request with the session's own token must
get through, or the refusals would prove nothing.

The API is exempt from the check because it never reads the session: it is shown to refuse
the logged-in regulator's cookie (401, nothing changed, no CORS grant to another origin) and to
act only on a bearer token. A state-changing route that none of this covers fails
:func:`test_every_state_changing_route_is_covered` by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from extensions import csrf
from tests.integration.test_authorization_matrix import (
    PAYLOADS,
    POST,
    ROLES,
    RX,
    Actor,
    M,
    World,
    actor_for_row,
    actors_for,
    changed_tables,
    fingerprint,
    send,
    url_for_cell,
)
from tests.integration.test_authorization_matrix import world as world  # fixture
from tests.support.web import EN

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: the only blueprint exempt from the check: it authenticates by bearer token, never by cookie
EXEMPT_BLUEPRINTS = {"api"}
#: the refusal page's title, as each language shows it
EXPIRED = {"en": "This form has expired", "zh": "表单已过期"}


def _tampered(token: str) -> str:
    """The session's own token with the first character of its signature changed (the last
    one may carry only padding bits, and a token differing there is the same token)."""
    value, _, signature = token.rpartition(".")
    return f"{value}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


#: (what is sent instead of the session's token, None: no field at all; language shown)
FORGERIES: list[tuple[str, Callable[[Actor, Actor], str | None], str]] = [
    ("no token", lambda _own, _other: None, "en"),
    ("another session's token", lambda _own, other: other.csrf, "zh"),
    ("a tampered token", lambda own, _other: _tampered(own.csrf), "en"),
    ("no token at all", lambda _own, _other: "not-a-csrf-token", "zh"),
]


def _forged(
    actor: Actor, url: str, payload: dict[str, Any], token: str | None, language: str
) -> tuple[int, str]:
    """POST ``payload`` with ``token`` from ``actor``'s session, shown in ``language``."""
    data = dict(payload)
    if token is not None:
        data["csrf_token"] = token
    with actor.client.session_transaction() as session:
        chosen = session.get("locale")
        session["locale"] = language
    response = actor.client.post(url, data=data, headers=EN)
    body = response.get_data(as_text=True)
    with actor.client.session_transaction() as session:
        session.pop("_flashes", None)
        if chosen is None:
            session.pop("locale", None)
        else:
            session["locale"] = chosen
    return response.status_code, body


def state_changing(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route that accepts a state-changing method."""
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) & STATE_CHANGING
    )


def test_every_state_changing_route_is_covered(app: Flask) -> None:
    """A new POST, PUT, PATCH or DELETE route fails here, named, until it is tried below."""
    assert app.config["WTF_CSRF_ENABLED"] is not False
    assert app.config["WTF_CSRF_CHECK_DEFAULT"] is not False
    assert set(app.config["WTF_CSRF_METHODS"]) >= STATE_CHANGING
    problems = []
    for endpoint, method, rule in state_changing(app):
        if method != "POST" or endpoint not in POST:
            problems.append(
                f"{method} {rule} ({endpoint}) changes state but no forged request tries it: "
                "add it to POST in tests/integration/test_authorization_matrix.py"
            )
        if endpoint.split(".")[0] in EXEMPT_BLUEPRINTS and endpoint != "api.post_status":
            problems.append(f"{method} {rule} ({endpoint}) is exempt from CSRF and untried")
    exempt = {bp.name for bp in csrf._exempt_blueprints}
    assert exempt == EXEMPT_BLUEPRINTS, f"blueprints exempt from CSRF: {sorted(exempt)}"
    assert not csrf._exempt_views, f"views exempt from CSRF: {sorted(csrf._exempt_views)}"
    assert not problems, "\n".join(problems)


def _tried_as(kinds: dict[str, frozenset[str]]) -> list[tuple[str, str, bool]]:
    """(kind, role, allowed) for every role the matrix lets act; for a route nobody may use in
    the world, its member, who is refused by the view, never by the CSRF check."""
    cells = [(kind, role, True) for kind, allowed in kinds.items() for role in allowed]
    if not cells:
        cells = [(next(iter(kinds)), M, False)]
    return sorted(cells, key=lambda cell: (list(kinds).index(cell[0]), ROLES.index(cell[1])))


def test_forged_posts_are_refused_in_the_users_language_and_change_nothing(
    app: Flask,
    world: World,
) -> None:
    actors = actors_for(app, world)
    attacker = Actor(app, world, "spare")  # logged in: a valid token, of another session
    failures: list[str] = []
    forged = accepted = 0
    for endpoint, kinds in POST.items():
        if endpoint.split(".")[0] in EXEMPT_BLUEPRINTS:
            continue
        payload = PAYLOADS.get(endpoint, lambda _w, _k: {})
        for kind, role, allowed in _tried_as(kinds):
            key = world.user(kind, role)
            actor = actor_for_row(app, world, actors, endpoint, key)
            values = world.values(kind)
            if kind == "claim-link":  # a claim link works once: each role has its own
                values = {"token": world.claim_tokens[role]}
            url = url_for_cell(app, endpoint, values)
            cell = f"POST {url} [{endpoint} {kind}] as {role} ({key})"
            before = fingerprint()
            for name, token, language in FORGERIES:
                data = payload(world, kind)
                status, body = _forged(actor, url, data, token(actor, attacker), language)
                forged += 1
                if status != 400 or EXPIRED[language] not in body:
                    failures.append(f"{cell} with {name}: {status}, not the {language} refusal")
                if changed := changed_tables(before, fingerprint()):
                    failures.append(f"{cell} with {name}: changed {changed}")
            answer = send(actor, "POST", url, endpoint, payload(world, kind))
            accepted += 1
            if allowed and answer.outcome != "ok":
                failures.append(f"{cell} with its own token: refused ({answer.describe()})")
            if not allowed and (answer.status == 400 or EXPIRED["en"].encode() in answer.body):
                failures.append(f"{cell} with its own token: taken for a forgery")
    assert forged == accepted * len(FORGERIES)
    assert accepted >= len(POST) - len(EXEMPT_BLUEPRINTS)
    assert not failures, f"{len(failures)} of {forged + accepted} requests:\n" + "\n".join(failures)


def test_the_api_takes_no_cookie_only_a_bearer_token(
    app: Flask,
    world: World,
) -> None:
    """The API skips the CSRF check; what protects it is that a browser's cookie is worth
    nothing there: a cross-site form or script riding the regulator's session is refused."""
    regulator = Actor(app, world, world.user("A", RX))
    url = url_for_cell(app, "api.post_status", world.values("A"))
    before = fingerprint()
    evil = {**EN, "Origin": "https://evil.example"}
    riding = [
        ("a cross-site form", {"data": {"status": "resolved", "csrf_token": regulator.csrf}}),
        ("a cross-site script", {"json": {"status": "resolved"}}),
        ("a text/plain body", {"data": '{"status": "resolved"}', "content_type": "text/plain"}),
    ]
    for name, kwargs in riding:
        response = regulator.client.post(url, headers=evil, **kwargs)
        assert response.status_code == 401, f"{name} with the session cookie: {response.status}"
        assert response.mimetype == "application/json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers
        assert not changed_tables(before, fingerprint()), f"{name} changed the database"
    preflight = regulator.client.options(
        url, headers={**evil, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers

    # the positive control: the same change with the regulator's bearer token is made
    answer = send(regulator, "POST", url, "api.post_status", {"status": "under_review"})
    assert answer.status == 200, answer.describe()
    assert changed_tables(before, fingerprint())
