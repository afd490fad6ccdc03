"""The SDK's administration, working-group, declaration and strategy methods against the real
hub (uvicorn on 127.0.0.1, SQLite and PostgreSQL), through the typed methods only.

A hub admin registers two agencies and a cell; the agency's admins bring a case worker and a
service account in by four-eyes; the chair forms a working group and sets the confidentiality
declaration; a guest accepts it before reading anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from livc_hub_client import (
    Client,
    ClientCredentials,
    ConfidentialityDeclarationRequired,
    Conflict,
    Forbidden,
    NotFound,
    SeparationOfDuties,
    models,
)

from tests.support.live import LiveHub
from tests.support.strategic import town
from tests.support.timing import http_timeout
from tests.support.world import agency, agency_admins, member, unique

DECLARATION_NL = "Ik bewaar het geheim van wat hier gedeeld wordt en gebruik het enkel hiervoor."
DECLARATION_FR = "Je garde le secret de ce qui est partagé ici et ne l'utilise qu'à cette fin."


def sdk(hub: LiveHub, who: str) -> Client:
    """The SDK as a member, with the hub's own token for them."""
    return Client(hub.base_url, auth=hub.token(who), timeout=http_timeout())


def test_four_eyes_working_groups_and_the_declaration(hub: LiveHub) -> None:
    # The hub admin registers the agencies and the cell.
    with sdk(hub, hub.admin_id) as admin:
        stad = admin.create_agency(
            name=unique("Stad"), kind="municipality", secrecy_regime="livc_458ter"
        )
        ocmw = admin.create_agency(
            name=unique("OCMW"), kind="social_service", secrecy_regime="professional"
        )
        assert (ocmw.kind, ocmw.approver_role) == ("social_service", "agency_admin")
        assert admin.get_agency(ocmw.id) == ocmw
        known = {a.id for a in admin.iter_agencies(limit=2)}
        assert {stad.id, ocmw.id} <= known
        cell = admin.create_cell(kind="livc_case", name=unique("LIVC-R"), municipality="Teststad")
        for seated in (stad, ocmw):
            cell = admin.add_cell_agency(cell.id, agency_id=seated.id)
        assert set(cell.agency_ids) == {stad.id, ocmw.id}

    # Four-eyes: the OCMW's first admin proposes a case worker, the second approves.
    first, second = agency_admins(hub, str(ocmw.id))
    with sdk(hub, first) as proposer, sdk(hub, second) as approver:
        created = proposer.create_member(
            ocmw.id, display_name=unique("Sofie"), roles=["case_worker"], bound_by_secrecy=True
        )
        assert isinstance(created, models.NewMember)
        assert (created.status, created.roles) == ("pending", [])
        assert created.proposal is not None
        proposal_id = created.proposal.id
        with pytest.raises(SeparationOfDuties) as own:
            proposer.approve_proposal(proposal_id)
        assert own.value.reason == "proposer_cannot_approve"
        pending = {p.id for p in approver.iter_proposals(ocmw.id, state="pending", limit=1)}
        assert proposal_id in pending
        proposal = approver.get_proposal(proposal_id)
        assert proposal.changes.roles_add == ["case_worker"]
        assert proposal.changes.bound_by_secrecy
        decided = approver.approve_proposal(proposal_id)
        assert decided.proposal.state == "approved"
        assert decided.proposal.decided_by is not None
        assert str(decided.proposal.decided_by) == second
        assert (decided.member.status, decided.member.roles) == ("active", ["case_worker"])
        assert decided.client_secret is None
        worker = decided.member.id
        assert proposer.get_member(worker).status == "active"
        assert worker in {m.id for m in proposer.iter_members(ocmw.id, limit=2)}

        # A refused proposal changes nothing; a withdrawn one neither.
        refused = proposer.create_member(ocmw.id, display_name=unique("R"), roles=["auditor"])
        assert refused.proposal is not None
        no = approver.refuse_proposal(refused.proposal.id)
        assert (no.proposal.state, no.member.roles) == ("refused", [])
        taken_back = proposer.create_member(ocmw.id, display_name=unique("W"), roles=["auditor"])
        assert taken_back.proposal is not None
        with pytest.raises(Forbidden):
            approver.withdraw_proposal(taken_back.proposal.id)  # only the proposer
        assert proposer.withdraw_proposal(taken_back.proposal.id).state == "withdrawn"
        states = {p.id: p.state for p in approver.iter_proposals(ocmw.id)}
        assert states[refused.proposal.id] == "refused"
        assert states[taken_back.proposal.id] == "withdrawn"

        # A service account: its secret is shown once, to the approver, in the decision.
        service = proposer.create_member(
            ocmw.id, display_name=unique("Koppeling"), roles=["service_account"], kind="service"
        )
        assert service.client_id is not None
        assert service.proposal is not None
        granted = approver.approve_proposal(service.proposal.id)
        assert granted.client_secret
        assert granted.client_secret not in repr(granted)
        credentials = ClientCredentials(service.client_id, granted.client_secret)
        with Client(hub.base_url, auth=credentials, timeout=http_timeout()) as system:
            assert (system.me().member_id, system.me().kind) == (service.id, "service")
        # Narrowing takes effect at once, without a proposal.
        suspended = proposer.update_member(service.id, status="suspended")
        assert (suspended.status, suspended.proposal) == ("suspended", None)

    chair = member(hub, str(stad.id), "chair", secrecy=True)
    colleague = member(hub, str(ocmw.id), "case_worker", secrecy=True)
    with sdk(hub, hub.admin_id) as admin:
        for person in (chair, str(worker), colleague):
            cell = admin.add_cell_member(cell.id, member_id=person)
        cell = admin.set_chair(cell.id, member_id=chair)
        assert str(cell.chair_member_id) == chair

    # The chair forms a working group among the seated.
    with sdk(hub, chair) as mayor, sdk(hub, str(worker)) as sofie:
        group = mayor.create_working_group(cell.id, name="Jeugd")
        assert group.id in {g.id for g in sofie.list_working_groups(cell.id)}
        with pytest.raises(Forbidden) as not_chair:
            sofie.create_working_group(cell.id, name="Eigen")
        assert not_chair.value.reason == "not_chair"
        members = mayor.add_working_group_member(cell.id, group.id, member_id=worker)
        assert [m.member_id for m in members] == [worker]
        outsider = member(hub, str(ocmw.id), "case_worker", secrecy=True)  # not seated
        with pytest.raises(Conflict) as unseated:
            mayor.add_working_group_member(cell.id, group.id, member_id=outsider)
        assert unseated.value.reason == "member_not_seated"
        mayor.add_working_group_member(cell.id, group.id, member_id=colleague)
        mayor.remove_working_group_member(cell.id, group.id, colleague)
        assert [m.member_id for m in sofie.working_group_members(cell.id, group.id)] == [worker]

        subject = sofie.create_subject(name=unique("Persoon"), date_of_birth=date(1999, 3, 4))
        case = sofie.create_case(cell_id=cell.id, subject_id=subject.id)
        expires = datetime.now(UTC) + timedelta(hours=2)
        grouped = mayor.create_exchange(
            case_id=case.id,
            purpose="Werkgroep jeugd: opvolging",
            legal_basis="Wet 30 juli 2018, art. 458ter Sw.",
            expires_at=expires,
            working_group_id=group.id,
        )
        agenda = sofie.working_group_exchanges(cell.id, group.id)
        assert [(x.id, x.case_id, x.open) for x in agenda] == [(grouped.id, case.id, True)]
        assert agenda[0].subject_pseudonym == case.subject_pseudonym

        # The declaration: none yet, then two versions, each kept.
        with pytest.raises(NotFound):
            sofie.get_declaration(cell.id)
        first_text = mayor.set_declaration(cell.id, text_nl=DECLARATION_NL, text_fr=DECLARATION_FR)
        revised = mayor.set_declaration(
            cell.id, text_nl=DECLARATION_NL + " (herzien)", text_fr=DECLARATION_FR
        )
        assert (first_text.version, revised.version) == (1, 2)
        assert sofie.get_declaration(cell.id) == revised
        assert [d.version for d in sofie.declaration_versions(cell.id)] == [1, 2]
        with pytest.raises(Forbidden):
            sofie.set_declaration(cell.id, text_nl="x", text_fr="y")

        # A guest from outside the cell reads nothing before accepting it.
        exchange = mayor.create_exchange(
            case_id=case.id,
            purpose="Overleg met de jeugdhulp",
            legal_basis="Wet 30 juli 2018, art. 458ter Sw.",
            expires_at=expires,
        )
        guest = member(hub, agency(hub, "youth", "professional"), "case_worker", secrecy=True)
        assert mayor.add_participant(exchange.id, member_id=guest, guest=True).guest
        assert not mayor.exchange_declaration(exchange.id).required
    with sdk(hub, guest) as visitor:
        with pytest.raises(ConfidentialityDeclarationRequired) as first_read:
            visitor.view(exchange.id)
        assert first_read.value.accept == f"/api/v1/exchanges/{exchange.id}/declaration/accept"
        before = visitor.exchange_declaration(exchange.id)
        assert before.required
        assert (before.accepted_at, before.accepted_version) == (None, None)
        assert before.declaration == revised
        accepted = visitor.accept_declaration(exchange.id)
        assert accepted.accepted_version == 2
        assert accepted.accepted_at is not None
        assert str(visitor.view(exchange.id).exchange.id) == str(exchange.id)


def test_the_strategic_cells_priorities_counts_and_diagnosis(hub: LiveHub) -> None:
    t = town(hub, cases=1)
    year = datetime.now(UTC).year
    priorities = [
        models.Priority(
            theme="youth_and_families", text={"nl": "Weerbare jongeren", "fr": "Jeunes"}
        ),
        models.Priority(theme="online_polarisation", text={"nl": "Online", "fr": "En ligne"}),
    ]
    intro = {"nl": "Prioriteiten van de strategische LIVC", "fr": "Priorités"}
    with sdk(hub, t.chair) as chair, sdk(hub, t.reader) as reader:
        first = chair.set_priorities(t.strategic, year, introduction=intro, priorities=priorities)
        assert (first.year, first.version, str(first.author_member_id)) == (year, 1, t.chair)
        # A version read can be sent back changed.
        changed = [first.priorities[0], first.priorities[1].model_copy(update={"text": intro})]
        second = chair.set_priorities(t.strategic, year, introduction=intro, priorities=changed)
        assert second.version == 2
        assert reader.get_priorities(t.strategic, year) == second
        assert [v.version for v in reader.priorities_versions(t.strategic, year)] == [1, 2]
        with pytest.raises(Forbidden):
            reader.set_priorities(t.strategic, year, introduction=intro, priorities=priorities)

        counts = reader.strategy_counts(t.strategic, dimension="case_status", granularity="year")
        assert (counts.dimension, counts.granularity) == ("case_status", "year")
        assert all(row.shown in {"count", "<5", "suppressed", "withheld"} for row in counts.rows)
        assert all(row.count is None for row in counts.rows if row.shown != "count")
        csv = reader.diagnosis_csv(t.strategic, year=year, lang="fr")
        assert "Jeunes" in csv
        html = reader.diagnosis_html(t.strategic, year=year)
        assert "Weerbare jongeren" in html
        assert "<script" not in html
