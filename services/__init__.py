"""Domain logic, usable without a request: views and CLI commands call into here."""
