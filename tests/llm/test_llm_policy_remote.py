"""Sovereignty policy and the HTTP backend, against a real local HTTP server standing
for the remote endpoint (the network edge)."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from sqlalchemy import select

from communia.core.db import read_session
from communia.core.errors import ConfigurationError, PermissionDenied, Unavailable
from communia.core.llm import RegexPseudonymiser, complete, data_block
from communia.core.llm.gateway import ModelOutputError
from communia.core.models import AuditEntry

ALLOWED = {"policy": "allowed", "endpoints": ["distant"], "default_backend": "distant"}

CITIZEN_MAIL = (
    "Bonjour, je suis M. Jean-Pierre Durand, j'habite au 12 rue des Lilas à Saint-Exemple. "
    "Mon téléphone : 06 12 34 56 78, mon courriel : jp.durand@exemple.fr. "
    "Mon IBAN FR76 3000 6000 0112 3456 7890 189 a été débité deux fois pour la cantine. "
    "Mon numéro de sécurité sociale est 1 84 12 75 123 456 78."
)
PERSONAL = [
    "Jean-Pierre Durand",
    "Durand",
    "12 rue des Lilas",
    "06 12 34 56 78",
    "jp.durand@exemple.fr",
    "FR76 3000 6000 0112 3456 7890 189",
    "1 84 12 75 123 456 78",
]


def _audits():
    with read_session() as s:
        return s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_local_only_commune_never_reaches_the_remote(make_commune, fake_remote, remote_settings):
    commune_id = make_commune(llm={"policy": "local-only"})
    with pytest.raises(PermissionDenied, match="souveraineté"):
        complete(
            CITIZEN_MAIL,
            commune_id=commune_id,
            purpose="test",
            backend="distant",
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )
    assert fake_remote.requests == []


def test_default_policy_is_local_only(make_commune, fake_remote, remote_settings):
    commune_id = make_commune()  # no "llm" setting at all
    with pytest.raises(PermissionDenied):
        complete(
            "Bonjour",
            commune_id=commune_id,
            purpose="test",
            backend="distant",
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )
    assert fake_remote.requests == []


def test_no_pseudonymiser_means_nothing_leaves(
    make_commune, fake_remote, remote_settings, monkeypatch
):
    monkeypatch.setattr("communia.core.llm.gateway.default_pseudonymiser", lambda: None)
    commune_id = make_commune(llm=ALLOWED)
    with pytest.raises(PermissionDenied, match="pseudonymisation"):
        complete(CITIZEN_MAIL, commune_id=commune_id, purpose="test", settings=remote_settings)
    assert fake_remote.requests == []


def test_endpoint_allowed_but_not_declared(make_commune, fake_remote):
    from communia.core.llm.config import LlmSettings

    commune_id = make_commune(llm=ALLOWED)
    with pytest.raises(ConfigurationError, match="déclaré"):
        complete(
            "Bonjour",
            commune_id=commune_id,
            purpose="test",
            settings=LlmSettings(),
            pseudonymiser=RegexPseudonymiser(),
        )


def test_invalid_policy_is_a_clear_error(make_commune, remote_settings):
    commune_id = make_commune(llm={"policy": "partout"})
    with pytest.raises(ConfigurationError, match="politique"):
        complete("Bonjour", commune_id=commune_id, purpose="test", settings=remote_settings)


def test_no_personal_data_in_clear_leaves_and_answer_is_reidentified(
    make_commune, fake_remote, remote_settings
):
    commune_id = make_commune(llm=ALLOWED)
    result = complete(
        [
            {
                "role": "user",
                "content": "Résume ce courriel :\n" + data_block(CITIZEN_MAIL, label="courriel"),
            }
        ],
        commune_id=commune_id,
        purpose="résumé courriel",
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    assert len(fake_remote.requests) == 1
    sent = json.dumps(fake_remote.requests[0], ensure_ascii=False)
    for value in PERSONAL:
        assert value not in sent, value
    assert re.search(r"\[PERSONNE_1\]", sent) and "[IBAN_1]" in sent
    # The fake remote echoes the (pseudonymised) user message: the gateway puts values back.
    for value in ("Jean-Pierre Durand", "06 12 34 56 78", "jp.durand@exemple.fr"):
        assert value in result.text
    assert result.pseudonymised and result.backend == "distant"
    # The audit line holds hashes only (default audit_text="hash"): no personal data.
    entry = _audits()[-1]
    stored = json.dumps(entry.details, ensure_ascii=False) + entry.summary
    for value in PERSONAL:
        assert value not in stored
    assert entry.details["prompt_sha256"] and entry.details["remote"] is True
    assert entry.model == "fake-1" and entry.commune_id == commune_id


def test_streamed_remote_answer_is_reidentified(make_commune, fake_remote, remote_settings):
    commune_id = make_commune(llm=ALLOWED)
    stream = complete(
        CITIZEN_MAIL,
        commune_id=commune_id,
        purpose="test",
        stream=True,
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    pieces = list(stream)
    text = "".join(pieces)
    assert len(pieces) >= 2
    assert text == stream.result.text
    assert "Jean-Pierre Durand" in text and "[PERSONNE_1]" not in text
    assert "Jean-Pierre Durand" not in json.dumps(fake_remote.requests[0], ensure_ascii=False)


def test_audit_keeps_clear_text_only_when_policy_says_so(
    make_commune, fake_remote, remote_settings
):
    commune_id = make_commune(llm={**ALLOWED, "audit_text": "clear"})
    complete(
        "Bonjour M. Paul Martin",
        commune_id=commune_id,
        purpose="test",
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    details = _audits()[-1].details
    assert "Paul Martin" in json.dumps(details["prompt"], ensure_ascii=False)


def test_retries_then_succeeds(make_commune, fake_remote, remote_settings):
    remote_settings.endpoints["distant"].backoff_s = 0.01
    fake_remote.status_sequence = [503, 429]
    commune_id = make_commune(llm=ALLOWED)
    result = complete(
        "Bonjour",
        commune_id=commune_id,
        purpose="test",
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    assert len(fake_remote.requests) == 3
    assert result.text.startswith("Reçu")
    assert result.prompt_tokens == 11 and result.completion_tokens == 5


def test_gives_up_after_retries_and_audits_the_failure(make_commune, fake_remote, remote_settings):
    remote_settings.endpoints["distant"].backoff_s = 0.01
    fake_remote.status_sequence = [503, 503, 503, 503]
    commune_id = make_commune(llm=ALLOWED)
    with pytest.raises(Unavailable, match="HTTP 503"):
        complete(
            "Bonjour",
            commune_id=commune_id,
            purpose="test",
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )
    assert len(fake_remote.requests) == 3  # 1 + max_retries
    assert _audits()[-1].action == "llm.echec"


def test_client_error_is_not_retried(make_commune, fake_remote, remote_settings):
    fake_remote.status_sequence = [400]
    commune_id = make_commune(llm=ALLOWED)
    with pytest.raises(Unavailable, match="HTTP 400"):
        complete(
            "Bonjour",
            commune_id=commune_id,
            purpose="test",
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )
    assert len(fake_remote.requests) == 1


def test_timeout_is_reported(make_commune, fake_remote, remote_settings):
    cfg = remote_settings.endpoints["distant"]
    cfg.timeout_s, cfg.max_retries = 0.3, 0
    fake_remote.delay_s = 1.5
    commune_id = make_commune(llm=ALLOWED)
    with pytest.raises(Unavailable, match="délai"):
        complete(
            "Bonjour",
            commune_id=commune_id,
            purpose="test",
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )


def test_remote_json_is_validated_against_the_schema(make_commune, fake_remote, remote_settings):
    schema = {
        "type": "object",
        "properties": {"montant": {"type": "number"}},
        "required": ["montant"],
    }
    commune_id = make_commune(llm=ALLOWED)
    fake_remote.reply = '{"montant": 412000}'
    ok = complete(
        "Montant ?",
        commune_id=commune_id,
        purpose="test",
        json_schema=schema,
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    assert ok.data == {"montant": 412000}
    assert fake_remote.requests[-1]["response_format"]["json_schema"]["schema"] == schema
    fake_remote.reply = '{"montant": "beaucoup"}'
    with pytest.raises(ModelOutputError, match="schéma"):
        complete(
            "Montant ?",
            commune_id=commune_id,
            purpose="test",
            json_schema=schema,
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )
    fake_remote.reply = '{"montant": 41'
    with pytest.raises(ModelOutputError, match="JSON valide"):
        complete(
            "Montant ?",
            commune_id=commune_id,
            purpose="test",
            json_schema=schema,
            settings=remote_settings,
            pseudonymiser=RegexPseudonymiser(),
        )


def test_queue_limits_concurrency_and_times_out(make_commune, fake_remote, remote_settings):
    remote_settings.max_concurrent_remote = 1
    fake_remote.delay_s = 0.6
    commune_id = make_commune(llm=ALLOWED)
    errors: list[Exception] = []
    results = []

    def call(timeout):
        try:
            results.append(
                complete(
                    "Bonjour",
                    commune_id=commune_id,
                    purpose="test",
                    settings=remote_settings,
                    pseudonymiser=RegexPseudonymiser(),
                    queue_timeout_s=timeout,
                )
            )
        except Exception as exc:  # collected for the assertions below
            errors.append(exc)

    # Two callers that are willing to wait: both served, one after the other.
    threads = [threading.Thread(target=call, args=(10,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 2
    assert fake_remote.max_active == 1
    assert max(r.queue_wait_s for r in results) >= 0.4

    # A caller that waits less than the running request lasts is refused, in French.
    results.clear()
    first = threading.Thread(target=call, args=(10,))
    first.start()
    while fake_remote.active == 0:
        time.sleep(0.005)
    call(0.1)
    first.join()
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], Unavailable) and "occupé" in errors[0].message


def test_invalid_messages_are_refused_in_french(remote_settings):
    from communia.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="rôle"):
        complete(
            [{"role": "robot", "content": "x"}],
            commune_id=None,
            purpose="t",
            settings=remote_settings,
        )
    with pytest.raises(InvalidInput, match="vide"):
        complete([], commune_id=None, purpose="t", settings=remote_settings)
    with pytest.raises(InvalidInput, match="objet"):
        complete("x", commune_id=None, purpose=" ", settings=remote_settings)


def test_abandoned_stream_frees_the_queue(make_commune, fake_remote, remote_settings):
    remote_settings.max_concurrent_remote = 1
    fake_remote.reply = "x" * 200
    commune_id = make_commune(llm=ALLOWED)
    stream = complete(
        "Bonjour",
        commune_id=commune_id,
        purpose="test",
        stream=True,
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    iterator = iter(stream)
    next(iterator)
    iterator.close()  # the client went away
    again = complete(
        "Bonjour",
        commune_id=commune_id,
        purpose="test",
        queue_timeout_s=0.5,
        settings=remote_settings,
        pseudonymiser=RegexPseudonymiser(),
    )
    assert again.text == "x" * 200


def _valid_nir(first13: str) -> str:
    key = 97 - int(first13) % 97
    return f"{first13[0]} {first13[1:3]} {first13[3:5]} {first13[5:7]} {first13[7:10]} {first13[10:13]} {key:02d}"


def test_default_wiring_uses_communia_privacy(make_commune, fake_remote, remote_settings):
    """Without an explicit pseudonymiser the gateway uses ``communia.core.privacy``."""
    privacy = pytest.importorskip("communia.core.privacy")
    from communia.core.llm.privacy import default_pseudonymiser

    assert type(default_pseudonymiser()).__name__ == type(privacy.gateway_pseudonymiser()).__name__
    nir = _valid_nir("1841275123456")
    mail = CITIZEN_MAIL.replace("1 84 12 75 123 456 78", nir)
    commune_id = make_commune(llm=ALLOWED)
    result = complete(
        [
            {"role": "system", "content": "Réponds à M. Jean-Pierre Durand."},
            {"role": "user", "content": data_block(mail, label="courriel")},
        ],
        commune_id=commune_id,
        purpose="réponse courriel",
        settings=remote_settings,
    )
    sent = json.dumps(fake_remote.requests[0], ensure_ascii=False)
    for value in [*PERSONAL[:-1], nir]:
        assert value not in sent, value
    assert "Jean-Pierre Durand" in result.text and "jp.durand@exemple.fr" in result.text
