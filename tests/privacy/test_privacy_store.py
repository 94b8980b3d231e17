import pytest
from privacy_fixtures import *  # noqa: F403 - fixtures
from sqlalchemy import select, text

from communia.core.db import read_session, write_session
from communia.core.errors import ConfigurationError, InvalidInput, NotFound, PermissionDenied
from communia.core.models import AuditEntry
from communia.core.privacy import load_alias_table, pseudonymise, pseudonymise_detailed, reidentify
from communia.core.privacy.models import PrivacyMapping
from communia.core.privacy.testing import assert_no_personal_data

MESSAGE = (
    "Bonjour, je suis Mme Gwenaëlle Kerboul, née le 4 juin 1978, "
    "7 allée des Mésanges, 29200 Brest. "
    "Tél. 06 45 12 78 90, gwen.kerboul@laposte.net, IBAN FR76 3000 6000 0112 3456 7890 189, "
    "NIR 2 55 08 14 168 025 38. Mme Kerboul souhaite un rendez-vous."
)
SECRETS = [
    "Gwenaëlle Kerboul",
    "4 juin 1978",
    "7 allée des Mésanges",
    "06 45 12 78 90",
    "gwen.kerboul@laposte.net",
    "FR76 3000 6000 0112 3456 7890 189",
    "2 55 08 14 168 025 38",
]


def _pseudo(commune_id, text=MESSAGE, **kw):
    with write_session() as s:
        return pseudonymise(text, commune_id=commune_id, session=s, use_ner=False, **kw)


def test_round_trip_and_consistent_aliases(communes):
    a, _ = communes
    out, mapping_id = _pseudo(a)
    assert out.startswith("Bonjour, je suis Mme Personne 1, née le Date de naissance 1, Adresse 1.")
    assert out.count("Personne 1") == 2  # "Mme Kerboul" is the same person
    assert_no_personal_data(out, known=SECRETS, use_ner=False)
    with write_session() as s:
        back = reidentify(
            out, mapping_id, commune_id=a, session=s, role="agent", actor="agent@saint-exemple.fr"
        )
    # The fullest spelling comes back for every mention of the person.
    assert back == MESSAGE.replace("Mme Kerboul", "Mme Gwenaëlle Kerboul")


def test_llm_style_answer_is_reidentified(communes):
    a, _ = communes
    out, mapping_id = _pseudo(a)
    answer = (
        "Proposition : répondre à Personne 1 (Courriel 1) et l'appeler au Téléphone 1 ; "
        "Personne 12 inconnue."
    )
    with write_session() as s:
        back = reidentify(answer, mapping_id, commune_id=a, session=s, role="systeme")
    assert back == (
        "Proposition : répondre à Gwenaëlle Kerboul (gwen.kerboul@laposte.net) et l'appeler au "
        "06 45 12 78 90 ; Personne 12 inconnue."
    )


def test_extending_a_mapping_keeps_aliases(communes):
    a, _ = communes
    _, mapping_id = _pseudo(a)
    out2, same_id = _pseudo(
        a, text="Relance de Mme Kerboul et de M. Loïc Tanguy.", mapping_id=mapping_id
    )
    assert same_id == mapping_id
    assert out2 == "Relance de Mme Personne 1 et de M. Personne 2."


def test_mapping_is_encrypted_at_rest(communes, database):
    a, _ = communes
    _pseudo(a)
    with database.connect() as conn:
        rows = conn.execute(text("SELECT * FROM privacy_mappings")).all()
        audit = conn.execute(text("SELECT * FROM audit_entries")).all()
    dump = repr(rows) + repr(audit)
    raw = b"".join(bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview))
    for secret in SECRETS + ["Kerboul", "Gwena", "kerboul"]:
        assert secret not in dump
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw


def test_role_check_and_tenancy(communes):
    a, b = communes
    out, mapping_id = _pseudo(a)
    with write_session() as s:
        with pytest.raises(PermissionDenied) as exc:
            reidentify(out, mapping_id, commune_id=a, session=s, role="elu")
        assert "rôle" in exc.value.message
        with pytest.raises(PermissionDenied):
            load_alias_table(s, mapping_id, commune_id=a, role="citoyen")
        # Another commune's agent cannot even see that the table exists.
        with pytest.raises(NotFound):
            reidentify(out, mapping_id, commune_id=b, session=s, role="agent")
        with pytest.raises(InvalidInput):
            reidentify(out, "../etc/passwd", commune_id=a, session=s, role="agent")


def test_changed_secret_or_moved_row_cannot_be_decrypted(communes, monkeypatch):
    from communia.core.settings import reset_settings

    a, b = communes
    out, mapping_id = _pseudo(a)
    monkeypatch.setenv("COMMUNIA_SECRET_KEY", "another-secret-entirely")
    reset_settings()
    try:
        with write_session() as s, pytest.raises(ConfigurationError) as exc:
            reidentify(out, mapping_id, commune_id=a, session=s, role="agent")
        assert "déchiffrée" in exc.value.message
    finally:
        monkeypatch.undo()
        reset_settings()
    # Moving the sealed table to another commune breaks it too (associated data).
    with write_session() as s:
        s.get(PrivacyMapping, mapping_id).commune_id = b
    with write_session() as s, pytest.raises(ConfigurationError):
        reidentify(out, mapping_id, commune_id=b, session=s, role="agent")


def test_audit_lines_hold_no_personal_data(communes):
    a, _ = communes
    out, mapping_id = _pseudo(a)
    with write_session() as s:
        reidentify(
            out, mapping_id, commune_id=a, session=s, role="agent", actor="agent@saint-exemple.fr"
        )
    with read_session() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["privacy.pseudonymisation", "privacy.reidentification"]
    assert entries[0].details["counts"]["PERSONNE"] == 2
    for e in entries:
        assert e.object_id == mapping_id
        assert "Kerboul" not in repr((e.summary, e.details))


def test_failure_writes_nothing(communes):
    a, _ = communes
    with pytest.raises(InvalidInput), write_session() as s:
        pseudonymise_detailed(b"\xff\xfe\x00binary", commune_id=a, session=s)
    with read_session() as s:
        assert s.scalars(select(PrivacyMapping)).all() == []
        assert s.scalars(select(AuditEntry)).all() == []


def test_without_session_nothing_is_stored(database):
    res = pseudonymise_detailed(MESSAGE, commune_id=None, session=None, use_ner=False)
    assert res.mapping_id is None and "Personne 1" in res.text
    with read_session() as s:
        assert s.scalars(select(PrivacyMapping)).all() == []


def test_gateway_pseudonymiser_protocol_in_memory_and_stored(communes):
    from communia.core.privacy import gateway_pseudonymiser

    sep = "\n\n§§§COMMUNIA-MESSAGE§§§\n\n"
    joined = sep.join(["Consignes : réponds poliment.", MESSAGE, "Et Mme Kerboul ?"])
    p = gateway_pseudonymiser(use_ner=False)
    masked, token = p.pseudonymise(joined)
    parts = masked.split(sep)
    assert len(parts) == 3 and parts[2] == "Et Mme Personne 1 ?"
    assert_no_personal_data(masked.replace(sep, "\n"), known=SECRETS, use_ner=False)
    assert p.reidentify("Bonjour Personne 1, au Téléphone 1.", token) == (
        "Bonjour Gwenaëlle Kerboul, au 06 45 12 78 90."
    )
    a, _ = communes
    with write_session() as s:
        stored = gateway_pseudonymiser(use_ner=False, commune_id=a, session=s)
        masked2, mapping_id = stored.pseudonymise(MESSAGE)
        assert isinstance(mapping_id, str) and masked2 == p.pseudonymise(MESSAGE)[0]
    with write_session() as s:
        back = reidentify(masked2, mapping_id, commune_id=a, session=s, role="agent")
    assert "Gwenaëlle Kerboul" in back


def test_purge_old_mappings_only_for_the_commune(communes):
    from datetime import timedelta

    from communia.core.db import utcnow
    from communia.core.privacy import purge_mappings

    a, b = communes
    _, old = _pseudo(a)
    _, recent = _pseudo(a)
    _, other = _pseudo(b)
    with write_session() as s:
        for mapping_id in (old, other):
            s.get(PrivacyMapping, mapping_id).updated_at = utcnow() - timedelta(days=100)
    with write_session() as s:
        assert purge_mappings(s, commune_id=a, older_than_days=90) == 1
    with read_session() as s:
        assert {m.id for m in s.scalars(select(PrivacyMapping))} == {recent, other}
    with write_session() as s, pytest.raises(NotFound):
        reidentify("Personne 1", old, commune_id=a, session=s, role="agent")


def test_initials_and_signatures_keep_the_persons_alias():
    from communia.core.privacy.aliases import AliasTable

    table = AliasTable()
    names = [
        "Sophie Lefèvre-Garnier",
        "S. Lefèvre-Garnier",
        "Lefèvre-Garnier",
        "M. Jean Dupont",
        "J. Dupont",
        "Marie Dupont",
        "M. Dupont",
    ]
    aliases = [table.alias_for("PERSONNE", n) for n in names]
    assert aliases == [
        "Personne 1",
        "Personne 1",
        "Personne 1",
        "Personne 2",
        "Personne 2",
        "Personne 3",  # "Marie Dupont" is not "J. Dupont"
        "Personne 2",
    ]
    assert table.alias_for("PERSONNE", "P. Lefèvre-Garnier") == "Personne 4"
