"""Anonymization of evidence before anyone but its contributor sees it.

``services.anonymize.text`` finds and replaces personal data in text (typed or OCR'd). Each module
works on one kind of content and has no request, database or UI dependency.
"""
