"""The demo companies' licensed entities: real businesses, each with where its licence can be
read (``docs/routing.md`` says how each was checked)."""

from __future__ import annotations

from models import Company
from models.base import DbSession
from services.routing.entities import add_entity

#: PBOC's first batch of payment licences (2011-05-03), as republished; the PBOC's own list of
#: licensed payment institutions is the primary register
_PBOC_FIRST_BATCH = "http://www.beidousoft.com/a/16548.html"

ENTITIES: tuple[dict[str, str], ...] = (
    {
        "company": "alipay",
        "kind": "payment_institution",
        "jurisdiction": "CN",
        "legal_name": "支付宝（中国）网络技术有限公司",
        "licence": "支付业务许可证 Z2000133000019",
        "supervisor": "中国人民银行 (PBOC)",
        "source_url": _PBOC_FIRST_BATCH,
    },
    {
        "company": "wechat-pay",
        "kind": "payment_institution",
        "jurisdiction": "CN",
        "legal_name": "财付通支付科技有限公司",
        "licence": "支付业务许可证 Z2000444000013",
        "supervisor": "中国人民银行 (PBOC)",
        "source_url": _PBOC_FIRST_BATCH,
    },
    {
        "company": "paypal",
        "kind": "bank",
        "jurisdiction": "EU",
        "legal_name": "PayPal (Europe) S.à r.l. et Cie, S.C.A.",
        "licence": "credit institution, CSSF register B00000351 (R.C.S. Luxembourg B 118 349)",
        "supervisor": "Commission de Surveillance du Secteur Financier (CSSF), Luxembourg",
        "source_url": "https://paypal.com/it/webapps/mpp/ua/info-sheet-perso-acct?locale.x=en_IT",
    },
    {
        "company": "paypal",
        "kind": "payment_institution",
        "jurisdiction": "US",
        "legal_name": "PayPal, Inc.",
        "licence": "state money transmitter licences (e.g. Massachusetts FT3345)",
        "supervisor": "state banking departments; consumer complaints: CFPB",
        "source_url": "https://www.mass.gov/consent-order/paypal-inc",
    },
)


def load_licensed_entities(session: DbSession, companies: dict[str, Company]) -> int:
    """Record :data:`ENTITIES` for the demo companies that exist; returns how many."""
    count = 0
    for item in ENTITIES:
        company = companies.get(item["company"])
        if company is None:
            continue
        fields = {k: v for k, v in item.items() if k != "company"}
        add_entity(session, company, **fields)
        count += 1
    return count
