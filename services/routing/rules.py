"""The routing questions, the authorities they lead to, and why.

Sources for every rule are in ``docs/routing.md``. China: a joint NFRA/PBOC/CSRC arrangement
sends complaints about non-bank payment institutions to the PBOC, about banks, consumer-finance
companies and insurers to the NFRA, about securities to the CSRC; disputes with a merchant go
to SAMR's 12315. Abroad the authority follows where the member lives and which entity serves
them there: the CFPB in the US, the entity's home supervisor in the EU (the CSSF for PayPal
(Europe), a Luxembourg credit institution), the Financial Ombudsman Service in the UK, the HKMA
for Hong Kong stored-value facilities.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models import EntityKind

#: what the member says was affected, and the kind of licensed business that answers for it
AFFECTED: dict[str, EntityKind] = {
    "wallet_balance": EntityKind.PAYMENT_INSTITUTION,
    "bank_card": EntityKind.BANK,
    "credit": EntityKind.CONSUMER_FINANCE,
    "merchant_goods": EntityKind.MERCHANT_PLATFORM,
}
AFFECTED_LABELS = {
    "wallet_balance": _l("The balance in my wallet account"),
    "bank_card": _l("The bank card linked to the wallet"),
    "credit": _l("A loan or credit product (for example a credit line or pay-later)"),
    "merchant_goods": _l("Goods or a service bought from a merchant"),
}
KIND_LABELS = {
    EntityKind.PAYMENT_INSTITUTION: _l("payment institution"),
    EntityKind.BANK: _l("bank"),
    EntityKind.CONSUMER_FINANCE: _l("consumer-finance company"),
    EntityKind.MERCHANT_PLATFORM: _l("merchant platform"),
    EntityKind.SECURITIES: _l("securities firm"),
}
#: where the member lives (EU: any country of the European Economic Area)
RESIDENCES = {
    "CN": _l("Mainland China"),
    "HK": _l("Hong Kong"),
    "US": _l("United States"),
    "EU": _l("European Union (EEA)"),
    "GB": _l("United Kingdom"),
}


@dataclass(frozen=True)
class KnownAuthority:
    slug: str
    name_en: str
    name_zh: str


KNOWN = {
    a.slug: a
    for a in (
        KnownAuthority(
            "pboc-fcpb",
            "PBoC Financial Consumer Protection Bureau",
            "中国人民银行金融消费权益保护局",
        ),
        KnownAuthority(
            "nfra-cpb",
            "National Financial Regulatory Administration — Consumer Protection Bureau",
            "国家金融监督管理总局消费者权益保护局",
        ),
        KnownAuthority("csrc", "China Securities Regulatory Commission", "中国证券监督管理委员会"),
        KnownAuthority(
            "samr-12315", "SAMR 12315 consumer complaint platform", "市场监管总局 12315 平台"
        ),
        KnownAuthority("cfpb", "Consumer Financial Protection Bureau", "美国消费者金融保护局"),
        KnownAuthority(
            "cssf",
            "Commission de Surveillance du Secteur Financier (Luxembourg)",
            "卢森堡金融业监管委员会（CSSF）",
        ),
        KnownAuthority("fos", "Financial Ombudsman Service (UK)", "英国金融申诉专员服务机构"),
        KnownAuthority("hkma", "Hong Kong Monetary Authority", "香港金融管理局"),
    )
}

#: (residence, kind) -> authority slug; None for a kind: the entity's own supervisor decides
_CHINA = {
    EntityKind.PAYMENT_INSTITUTION: "pboc-fcpb",
    EntityKind.BANK: "nfra-cpb",
    EntityKind.CONSUMER_FINANCE: "nfra-cpb",
    EntityKind.MERCHANT_PLATFORM: "samr-12315",
    EntityKind.SECURITIES: "csrc",
}
#: EU: the home supervisor that licensed the entity, read from its register entry
_EU_SUPERVISORS = {"CSSF": "cssf"}


def authority_for(residence: str, kind: EntityKind, supervisor: str = "") -> str | None:
    """The slug of the authority a complaint of ``kind`` goes to for someone living in
    ``residence``; None when no rule here says (the member is told so)."""
    if residence == "CN":
        return _CHINA[kind]
    if residence == "US":
        return "cfpb"
    if residence == "GB":
        return "fos"
    if residence == "HK":
        return "hkma" if kind in (EntityKind.PAYMENT_INSTITUTION, EntityKind.BANK) else None
    if residence == "EU":
        for marker, slug in _EU_SUPERVISORS.items():
            if marker in supervisor:
                return slug
    return None
