"""A member's side after submission: the company's answer, its offer to them, what they got,
and a dispute; the organizer opening the case to the company; the authority's outcome report."""
