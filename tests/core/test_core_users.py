import pytest
from sqlalchemy import select

from communia.core import users as U
from communia.core.db import read_session, write_session
from communia.core.errors import AuthenticationFailed, Conflict, InvalidInput, RateLimited
from communia.core.models import User


def test_password_is_hashed_with_argon2(two_communes):
    with read_session() as s:
        user = s.scalar(select(User).where(User.email == "agent@ville-a.fr"))
    assert user.password_hash.startswith("$argon2id$")
    assert "Motdepasse" not in user.password_hash


def test_authenticate_same_error_for_unknown_account_and_wrong_password(two_communes):
    messages = []
    for email, password in (("agent@ville-a.fr", "mauvais"), ("personne@ville-a.fr", "mauvais")):
        with pytest.raises(AuthenticationFailed) as exc, write_session() as s:
            U.authenticate(s, email, password, client="1.2.3.4")
        messages.append(exc.value.message)
    assert messages[0] == messages[1]


def test_rate_limit_after_failures(two_communes):
    for _ in range(5):
        with write_session() as s:
            U.record_login_failure(s, "agent@ville-a.fr", client="9.9.9.9")
    with pytest.raises(RateLimited), write_session() as s:
        U.authenticate(s, "agent@ville-a.fr", "Motdepasse-Solide-2026", client="8.8.8.8")


def test_weak_password_and_duplicate_refused(two_communes):
    with pytest.raises(InvalidInput, match="12 caractères"), write_session() as s:
        U.create_user(
            s,
            commune_id=two_communes["a"]["commune_id"],
            email="x@ville-a.fr",
            full_name="X",
            role="agent",
            password="court",
            by="test",
        )
    with pytest.raises(Conflict), write_session() as s:
        U.create_user(
            s,
            commune_id=two_communes["a"]["commune_id"],
            email="agent@ville-a.fr",
            full_name="X",
            role="agent",
            password="Motdepasse-Solide-2026",
            by="test",
        )


def test_sessions_expire(two_communes):
    from datetime import timedelta

    from communia.core.db import utcnow
    from communia.core.models import UserSession

    with write_session() as s:
        user = s.scalar(select(User).where(User.email == "agent@ville-a.fr"))
        token, row = U.open_session(s, user)
        sid = row.id
    with read_session() as s:
        assert U.actor_from_session(s, token).email == "agent@ville-a.fr"
    with write_session() as s:
        s.get(UserSession, sid).expires_at = utcnow() - timedelta(seconds=1)
    with read_session() as s:
        assert U.actor_from_session(s, token) is None


def test_api_tokens_only_store_a_hash(two_communes):
    from communia.core.models import ApiToken

    with read_session() as s:
        actor = U.actor_by_email(s, "agent@ville-a.fr")
    with write_session() as s:
        token = U.create_api_token(s, actor, label="essai")
    with read_session() as s:
        assert token not in {t.token_hash for t in s.scalars(select(ApiToken))}
    assert U.api_token_actor(token).commune_slug == "ville-a"


def test_account_creation_is_logged_with_its_role(two_communes):
    from sqlalchemy import select

    from communia.core.db import read_session
    from communia.core.models import AuditEntry

    with read_session() as s:
        summaries = s.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "user.create")
        ).all()
    assert "Compte créé, rôle : Conseil municipal (lecture seule)" in summaries  # one pair of ()
