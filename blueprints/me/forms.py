"""The member's own-data forms."""

from __future__ import annotations

from blueprints.auth.forms import ConfirmPasswordForm


class DeleteAccountForm(ConfirmPasswordForm):
    """The password again: a session left open on a shared computer must not be enough."""
