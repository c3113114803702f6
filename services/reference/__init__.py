"""Reference data cases point at: companies, authorities and complaint categories.

- :mod:`.companies`: companies, their aliases and the review of proposed ones;
- :mod:`.company_names`: normalizing names so 支付寶, "Alipay " and ＡＬＩＰＡＹ meet;
- :mod:`.authorities`: the authorities that receive cases;
- :mod:`.categories`: the complaint categories every installation has.
"""

from .authorities import create_authority, get_by_slug
from .categories import ensure_categories
from .companies import (
    approve_company,
    create_company,
    get_company,
    merge_company,
    proposed_companies,
    reject_company,
)
from .company_names import normalize_name, to_simplified

__all__ = [
    "approve_company",
    "create_authority",
    "create_company",
    "ensure_categories",
    "get_by_slug",
    "get_company",
    "merge_company",
    "normalize_name",
    "proposed_companies",
    "reject_company",
    "to_simplified",
]
