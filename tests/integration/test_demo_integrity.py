"""The demo data obeys the rules the app enforces, so later features can rely on it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models import (
    CaseStatus,
    GroupCase,
    MemberRole,
    Membership,
    PetitionVersion,
    SignatureEntry,
    Submission,
)
from services.petition.chain import verify_chain, version_hash
from services.petition.signing import signing_state


@pytest.mark.usefixtures("demo")
def test_every_case_has_one_organizer_and_members_with_complaints() -> None:
    for case in db.session.scalars(select(GroupCase)):
        roles = [m.role for m in case.memberships]
        assert roles.count(MemberRole.ORGANIZER) == 1
        assert 4 <= len(roles) <= 12
        assert all(
            m.complaint and m.complaint.company_id == case.company_id for m in case.memberships
        )
        assert all(m.complaint.owner_id == m.user_id for m in case.memberships)


@pytest.mark.usefixtures("demo")
def test_signature_chains_verify_and_versions_hash_to_what_was_signed() -> None:
    signed_cases = db.session.scalars(
        select(GroupCase).where(
            GroupCase.status.in_([CaseStatus.SIGNING, CaseStatus.SUBMITTED, CaseStatus.CLOSED])
        )
    ).all()
    assert len(signed_cases) == 5
    for case in signed_cases:
        entries = db.session.scalars(
            select(SignatureEntry)
            .where(SignatureEntry.case_id == case.id)
            .order_by(SignatureEntry.seq)
        ).all()
        assert entries
        report = verify_chain(case.public_id, entries)
        assert report.ok, report.problem
        version = db.session.scalar(
            select(PetitionVersion).where(PetitionVersion.case_id == case.id)
        )
        slug = version.authority.slug if version.authority else None
        assert version.content_sha256 == version_hash(case.public_id, version, slug)
        # the count pages show is the one the log gives
        assert version.signature_count == signing_state(db.session, case, version).count


@pytest.mark.usefixtures("demo")
def test_submitted_cases_meet_their_authoritys_minimum() -> None:
    for submission in db.session.scalars(select(Submission)):
        signatures = db.session.scalar(
            select(func.count(SignatureEntry.id)).where(
                SignatureEntry.case_id == submission.case_id
            )
        )
        assert signatures >= submission.authority.min_signatures
        assert submission.case.status in (CaseStatus.SUBMITTED, CaseStatus.CLOSED)
    assert db.session.scalar(select(func.count(Membership.id))) >= 40


@pytest.mark.usefixtures("demo")
def test_demo_accounts_named_in_the_readme_have_something_to_see() -> None:
    from models import User

    def user(email: str) -> User:
        account = db.session.scalar(select(User).where(User.email == email))
        assert account is not None, email
        return account

    regulator = user("regulator@example.org")
    inbox = db.session.scalar(
        select(func.count(Submission.id)).where(Submission.authority_id == regulator.authority_id)
    )
    assert inbox >= 1
    organizer = user("organizer@example.org")
    organized = db.session.scalars(
        select(GroupCase.status)
        .join(Membership)
        .where(Membership.user_id == organizer.id, Membership.role == MemberRole.ORGANIZER)
    ).all()
    assert sorted(organized) == [CaseStatus.OPEN, CaseStatus.SIGNING]
    for email in ("member@example.org", "member.en@example.org"):
        assert db.session.scalar(
            select(func.count(Membership.id)).where(Membership.user_id == user(email).id)
        )


@pytest.mark.usefixtures("demo")
def test_every_case_shows_pooled_evidence_that_is_stored_and_anonymized() -> None:
    from models import Evidence, EvidenceKind, EvidenceStatus
    from services.anonymize.text import redact
    from services.evidence.files import read

    for case in db.session.scalars(select(GroupCase)):
        items = db.session.scalars(
            select(Evidence).where(
                Evidence.case_id == case.id, Evidence.status == EvidenceStatus.POOLED
            )
        ).all()
        assert {item.kind for item in items} == {EvidenceKind.IMAGE, EvidenceKind.TEXT}
        for item in items:
            data = read(item.sha256)
            assert len(data) == item.size_bytes
            if item.kind is EvidenceKind.TEXT:
                text = data.decode()
                assert redact(text).text == text  # nothing left for the anonymizer to find


@pytest.mark.usefixtures("demo")
def test_every_case_reads_in_both_languages() -> None:
    """Each demo case carries its title in the other language, as organizers give it."""
    for case in db.session.scalars(select(GroupCase)):
        assert case.title_other
        assert {case.title_in("zh"), case.title_in("en")} == {case.title, case.title_other}
