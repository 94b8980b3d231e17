import threading

from sqlalchemy import delete, select, update

from communia.core import audit
from communia.core.db import read_session, write_session
from communia.core.models import AuditEntry, AuditHead


def _append(n, actor="test"):
    with write_session() as s:
        for i in range(n):
            audit.record(
                s, actor=actor, action="test.action", summary=f"ligne {i}", details={"i": i}
            )


def test_chain_verifies_and_records_fields(database):
    _append(5)
    with read_session() as s:
        report = audit.verify(s)
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert report.ok and report.checked == 5
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))


def test_edited_row_is_detected(database):
    _append(4)
    with write_session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(summary="falsifié"))
    with read_session() as s:
        report = audit.verify(s)
    assert not report.ok
    assert any("Ligne 2" in p and "modifié" in p for p in report.problems)


def test_deleted_row_is_detected(database):
    _append(4)
    with write_session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    with read_session() as s:
        report = audit.verify(s)
    assert not report.ok
    assert any("manquante" in p for p in report.problems)


def test_truncated_tail_is_detected(database):
    _append(4)
    with write_session() as s:
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    with read_session() as s:
        report = audit.verify(s)
    assert not report.ok
    assert any("sceau" in p for p in report.problems)


def test_rehashed_forgery_is_detected_by_the_head(database):
    """Someone who edits a row and recomputes its hash still breaks the next link or the head."""
    _append(3)
    with write_session() as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.seq == 3))
        row.summary = "falsifié"
        row.hash = audit._compute_hash(row)
    with read_session() as s:
        report = audit.verify(s)
    assert not report.ok


def test_rolled_back_action_leaves_no_audit_line(database):
    try:
        with write_session() as s:
            audit.record(s, actor="test", action="x")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with read_session() as s:
        assert s.scalar(select(AuditEntry)) is None
        assert s.get(AuditHead, 1) is None


def test_concurrent_appends_keep_a_valid_chain(database):
    threads = [threading.Thread(target=_append, args=(10, f"t{i}")) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with read_session() as s:
        report = audit.verify(s)
    assert report.ok, report.problems
    assert report.checked == 40


def test_hash_inputs_is_stable_and_order_independent_for_dicts():
    assert audit.hash_inputs({"a": 1, "b": 2}) == audit.hash_inputs({"b": 2, "a": 1})
    assert audit.hash_inputs("x") != audit.hash_inputs("y")


def test_actors_are_named_as_people_read_them():
    """The trail's page and its CSV name the automatic actors in words, one mapping."""
    from communia.core.audit import actor_label

    assert actor_label("systeme") == "Communia (automatique)"
    assert actor_label("cli:admin@ville.fr") == "ligne de commande (admin@ville.fr)"
    assert actor_label("agent@ville.fr") == "agent@ville.fr"


def test_a_human_decision_names_the_line_it_decides_in_french(database):
    """The trail said « Statut de validation : valide »: which output, and in code words."""
    with write_session() as s:
        output = audit.record(
            s, actor="systeme", action="test.ia", summary="Fuite suspectée", model="m"
        )
        decision = audit.set_validation(
            s, entry_seq=output.seq, status="valide", actor="agent@ville.fr", commune_id=None
        )
        assert decision.summary == f"Statut de validation de la ligne n° {output.seq} : validé"
