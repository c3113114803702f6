"""``flask`` commands. Each group lives in its own module; this wires them to the app."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from cli.authorities import authorities
    from cli.backup import backup, restore
    from cli.bundle import bundle
    from cli.companies import companies
    from cli.complaints import complaints
    from cli.demo import demo
    from cli.evidence import evidence
    from cli.jobs import jobs
    from cli.respondents import respondents_group
    from cli.setup import setup
    from cli.users import users

    for command in (
        authorities,
        bundle,
        companies,
        complaints,
        evidence,
        jobs,
        users,
        respondents_group,
        demo,
        setup,
        backup,
        restore,
    ):
        app.cli.add_command(command)
