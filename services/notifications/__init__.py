"""Telling members what happened.

- :mod:`.delivery`: an in-app notification always, an e-mail where SMTP is configured;
- :mod:`.inbox`: what the bell counts and the notifications page lists.
"""

from .delivery import notify
from .inbox import dismiss, mark_all_read, recent, unread_count

__all__ = ["dismiss", "mark_all_read", "notify", "recent", "unread_count"]
