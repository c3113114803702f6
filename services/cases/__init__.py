"""Group cases: the people harmed the same way, gathered in one case.

- :mod:`.membership`: starting, joining and leaving a case, and inviting similar complaints;
- :mod:`.directory`: the public list of cases visitors browse and search;
- :mod:`.figures`: a case's exact aggregate figures, which only its authority sees;
- :mod:`.published`: the coarse snapshot of them everyone else sees, republished in batches;
- :mod:`.timeline`: the timeline visitors and members read, joins counted per day;
- :mod:`.sharing`: the public link, QR code and social preview of a case;
- :mod:`.pseudonyms`: a member's per-case pseudonym;
- :mod:`.titles`: a case's title in the interface's other language.
"""

from .directory import CaseFilters, CasePage, directory_totals, filter_choices, search_cases
from .figures import AmountBand, CaseFigures, case_figures
from .membership import (
    case_by_public_id,
    free_complaints,
    invite_similar_complaints,
    join_case,
    leave_case,
    membership_in,
    refresh_counters,
    start_case,
)
from .pseudonyms import new_pseudonym
from .sharing import (
    OpenGraph,
    ShareKit,
    case_url,
    members_text,
    og_card,
    open_graph,
    qr_png,
    qr_svg,
    render_card,
    share_kit,
    shareable_case,
    wrap,
)

__all__ = [
    "AmountBand",
    "CaseFigures",
    "CaseFilters",
    "CasePage",
    "OpenGraph",
    "ShareKit",
    "case_by_public_id",
    "case_figures",
    "case_url",
    "directory_totals",
    "filter_choices",
    "free_complaints",
    "invite_similar_complaints",
    "join_case",
    "leave_case",
    "members_text",
    "membership_in",
    "new_pseudonym",
    "og_card",
    "open_graph",
    "qr_png",
    "qr_svg",
    "refresh_counters",
    "render_card",
    "search_cases",
    "share_kit",
    "shareable_case",
    "start_case",
    "wrap",
]
