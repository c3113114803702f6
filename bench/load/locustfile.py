"""The traffic mix of ``make bench BENCH_ARGS=load``: who does what, and how often.

Weights follow what a live case sees: most requests are people looking at cases; fewer file,
sign or download. ``/livez`` rides along as the floor: the cheapest request the same server,
workers and network path can answer, measured under the same load.

Accounts come from the seeding step (``bench/load/__init__.py``) through environment
variables, so each simulated person logs in as a different member.
"""

from __future__ import annotations

import itertools
import json
import os
import re

import pyotp
from locust import HttpUser, between, task

SEED = json.loads(os.environ["CHORUS_LOAD_SEED"])
PASSWORD = SEED["password"]
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
VERSION = re.compile(r'name="version_sha256" type="hidden" value="([0-9a-f]+)"')
_filers = itertools.count()
_signers = itertools.count()
_regulators = itertools.count()
FILED = "/complaints/new [POST] → matches"


def _page(user: HttpUser, path: str, name: str) -> str:
    with user.client.get(path, name=name, catch_response=True) as response:
        if not CSRF.search(response.text or ""):
            response.failure("no CSRF token on the page")
        return response.text or ""


def _csrf(user: HttpUser, path: str, name: str) -> str:
    match = CSRF.search(_page(user, path, name))
    return match.group(1) if match else ""


def _log_in(user: HttpUser, email: str, authenticator: str | None = None) -> None:
    """Log in; with an authenticator secret, answer the second step with the app's code."""
    token = _csrf(user, "/account/login", "/account/login")
    with user.client.post(
        "/account/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        name="/account/login [POST]",
        catch_response=True,
    ) as response:
        if "/account/login" in response.url:
            response.failure("login refused")
    if authenticator is None:
        return
    token = _csrf(user, "/account/two-step", "/account/two-step")
    with user.client.post(
        "/account/two-step",
        data={"csrf_token": token, "code": pyotp.TOTP(authenticator).now()},
        name="/account/two-step [POST]",
        catch_response=True,
    ) as response:
        if "/account/" in response.url:
            response.failure("second step refused")


class Visitor(HttpUser):
    """Someone who heard of the case on a forum: home, the directory, a case, a search."""

    weight = 10
    wait_time = between(0.2, 1.0)

    @task(3)
    def case_page(self) -> None:
        case = SEED["cases"][hash(self) % len(SEED["cases"])]
        self.client.get(f"/cases/{case}", name="/cases/<id>")

    @task(2)
    def directory(self) -> None:
        self.client.get("/cases/", name="/cases/")

    @task(1)
    def search(self) -> None:
        self.client.get("/cases/?q=退款", name="/cases/?q=")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="/")

    @task(2)
    def floor(self) -> None:
        self.client.get("/livez", name="/livez (floor)")


class Filer(HttpUser):
    """A member filing complaints and reading the cases each matches. The same story filed
    again is asked about first (409, the duplicate check); the member confirms it is another
    incident, as someone whose wallet was drained twice would."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        _log_in(self, SEED["filers"][next(_filers) % len(SEED["filers"])])

    @task
    def file_complaint(self) -> None:
        token = _csrf(self, "/complaints/new", "/complaints/new")
        form = {
            "csrf_token": token,
            "company": "支付宝",
            "category": str(SEED["category_id"]),
            "incident_date": "2026-10-08",
            "amount": "199.00",
            "currency": "CNY",
            "narrative": "支付宝账户凌晨被陌生设备登录,余额被转走,客服拒绝赔付,要求退款。",
            "demands": "refund",
        }
        with self.client.post(
            "/complaints/new", data=form, name=FILED, catch_response=True
        ) as response:
            if response.status_code == 409:  # asked about the same story filed before
                response.success()
                asked = True
            else:
                asked = False
        if asked:  # a second incident told alike: the member confirms, and it is filed
            retry = CSRF.search(response.text or "")
            form |= {"csrf_token": retry.group(1) if retry else "", "file_anyway": "yes"}
            self.client.post("/complaints/new", data=form, name=f"{FILED} (confirmed)")


class Signer(HttpUser):
    """A member reading the joint complaint, signing it, and withdrawing (to sign again)."""

    weight = 3
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        _log_in(self, SEED["signers"][next(_signers) % len(SEED["signers"])])
        self.signed = False

    @task
    def sign_or_withdraw(self) -> None:
        path = f"/cases/{SEED['signing_case']}/petition"
        html = _page(self, path, "/cases/<id>/petition")
        csrf, version = CSRF.search(html), VERSION.search(html)
        token = csrf.group(1) if csrf else ""
        if self.signed:
            self.client.post(
                f"{path}/withdraw",
                data={"csrf_token": token},
                name="/cases/<id>/petition/withdraw",
            )
        else:
            self.client.post(
                f"{path}/sign",
                data={
                    "csrf_token": token,
                    "version_sha256": version.group(1) if version else "",
                    "facts_confirmed": "y",
                    "share_identity": "pseudonym",
                },
                name="/cases/<id>/petition/sign",
            )
        self.signed = not self.signed


class Regulator(HttpUser):
    """A regulator going through the inbox and downloading a case bundle."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        email, secret = SEED["regulators"][next(_regulators) % len(SEED["regulators"])]
        _log_in(self, email, secret)

    @task(3)
    def inbox(self) -> None:
        self.client.get("/regulator/", name="/regulator/")

    @task(2)
    def case(self) -> None:
        self.client.get(f"/regulator/cases/{SEED['submitted_case']}", name="/regulator/cases/<id>")

    @task(1)
    def bundle(self) -> None:
        with self.client.get(
            f"/regulator/cases/{SEED['submitted_case']}/bundle.zip",
            name="/regulator/cases/<id>/bundle.zip",
            stream=True,
            catch_response=True,
        ) as response:
            size = sum(len(chunk) for chunk in response.iter_content(64 * 1024))
            if size == 0:
                response.failure("empty bundle")
