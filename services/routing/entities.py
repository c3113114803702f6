"""The licensed entities kept for each company, maintained on the command line."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from models import Company, EntityKind, LicensedEntity
from models.base import DbSession
from services.errors import Conflict, DomainError, NotFound
from services.routing.rules import RESIDENCES

JURISDICTIONS = (*RESIDENCES, "OTHER")


def company_by_slug(session: DbSession, slug: str) -> Company:
    company = session.scalar(select(Company).where(Company.slug == slug))
    if company is None:
        raise NotFound(f"No company {slug}.")
    return company


def add_entity(
    session: DbSession,
    company: Company,
    *,
    kind: str,
    jurisdiction: str,
    legal_name: str,
    licence: str,
    supervisor: str,
    source_url: str,
) -> LicensedEntity:
    """Record one licensed business of ``company``. The source must be an http(s) address:
    an entity nobody can check is not routed to."""
    if kind not in EntityKind._value2member_map_:
        raise DomainError(f"Unknown kind {kind}; choose one of: {', '.join(EntityKind)}.")
    jurisdiction = jurisdiction.upper()
    if jurisdiction not in JURISDICTIONS:
        raise DomainError(
            f"Unknown jurisdiction {jurisdiction}; choose one of: {', '.join(JURISDICTIONS)}."
        )
    legal_name = legal_name.strip()
    if not legal_name:
        raise DomainError("Give the entity's legal name as its licence names it.")
    parts = urlsplit(source_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DomainError("Give the source as an http(s) address where the licence can be read.")
    known = session.scalar(
        select(LicensedEntity).where(
            LicensedEntity.company_id == company.id,
            LicensedEntity.kind == EntityKind(kind),
            LicensedEntity.jurisdiction == jurisdiction,
            LicensedEntity.legal_name == legal_name,
        )
    )
    if known is not None:
        raise Conflict(f"{legal_name} is already recorded for {company.slug}.")
    entity = LicensedEntity(
        company_id=company.id,
        kind=EntityKind(kind),
        jurisdiction=jurisdiction,
        legal_name=legal_name,
        licence=licence.strip(),
        supervisor=supervisor.strip(),
        source_url=source_url.strip(),
    )
    session.add(entity)
    session.flush()
    return entity


def entities_of(session: DbSession, company_id: int) -> list[LicensedEntity]:
    return list(
        session.scalars(
            select(LicensedEntity)
            .where(LicensedEntity.company_id == company_id)
            .order_by(LicensedEntity.jurisdiction, LicensedEntity.kind, LicensedEntity.id)
        )
    )


def remove_entity(session: DbSession, entity_id: int) -> LicensedEntity:
    entity = session.get(LicensedEntity, entity_id)
    if entity is None:
        raise NotFound(f"No licensed entity {entity_id}.")
    session.delete(entity)
    return entity


def find_entity(
    session: DbSession, company_id: int, kind: EntityKind, jurisdiction: str
) -> LicensedEntity | None:
    """The company's entity of ``kind`` serving ``jurisdiction``; for a wallet balance, a bank
    that issues the e-money (PayPal (Europe) is a credit institution) stands in."""
    kinds = [kind]
    if kind is EntityKind.PAYMENT_INSTITUTION:
        kinds.append(EntityKind.BANK)
    for wanted in kinds:
        entity = session.scalar(
            select(LicensedEntity)
            .where(
                LicensedEntity.company_id == company_id,
                LicensedEntity.kind == wanted,
                LicensedEntity.jurisdiction == jurisdiction,
            )
            .order_by(LicensedEntity.id)
            .limit(1)
        )
        if entity is not None:
            return entity
    return None
