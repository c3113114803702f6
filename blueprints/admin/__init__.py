"""The admins' area: the security audit log."""
