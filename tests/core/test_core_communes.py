from datetime import UTC

import pytest

from communia.core import communes as C
from communia.core.db import read_session, write_session
from communia.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from communia.core.users import actor_by_email


def _actor(email):
    with read_session() as s:
        return actor_by_email(s, email)


def test_parse_and_format_hours_round_trip():
    text = "lundi 08:30-12:00 13:30-17:00\nsamedi 09h00-12h00"
    hours = C.parse_hours(text)
    assert hours == {
        "lundi": [["08:30", "12:00"], ["13:30", "17:00"]],
        "samedi": [["09:00", "12:00"]],
    }
    assert C.parse_hours(C.format_hours(hours)) == hours


@pytest.mark.parametrize(
    "bad", ["lundy 08:30-12:00", "lundi 8-12", "mardi 12:00-08:00", "jeudi 25:00-26:00"]
)
def test_bad_hours_get_a_french_message(bad):
    with pytest.raises(InvalidInput) as exc:
        C.parse_hours(bad)
    assert "ligne 1" in exc.value.message


def test_is_open_uses_paris_time():
    from datetime import datetime

    hours = C.parse_hours("lundi 08:30-12:00")
    # 2026-11-23 is a Monday; 08:00 UTC is 09:00 in Paris (winter time).
    assert C.is_open(hours, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert not C.is_open(hours, datetime(2026, 11, 23, 11, 30, tzinfo=UTC))


def test_siret_validation():
    assert C.valid_siret("21449999000015")
    assert not C.valid_siret("21449999000016")
    assert not C.valid_siret("1234")
    assert C.valid_siret("35600000000051")  # La Poste: digits sum to a multiple of 5


def test_profile_validation_and_audit(two_communes):
    admin = _actor(two_communes["a"]["users"]["admin"])
    with write_session() as s:
        C.update_profile(
            s, admin, {"insee_code": "44109", "population": "1200", "siret": "21449999000015"}
        )
    with pytest.raises(InvalidInput, match="INSEE"), write_session() as s:
        C.update_profile(s, admin, {"insee_code": "ABC"})
    with pytest.raises(InvalidInput, match="SIRET"), write_session() as s:
        C.update_profile(s, admin, {"siret": "12345678901234"})
    with read_session() as s:
        commune = C.get_commune(s, admin)
    assert commune.insee_code == "44109" and commune.population == 1200


def test_concurrent_edit_is_refused_not_lost(two_communes):
    admin = _actor(two_communes["a"]["users"]["admin"])
    with read_session() as s:
        version = C.get_commune(s, admin).version
    with write_session() as s:
        C.update_profile(s, admin, {"phone": "01 00 00 00 01"}, expected_version=version)
    with pytest.raises(Conflict), write_session() as s:
        C.update_profile(s, admin, {"phone": "01 00 00 00 02"}, expected_version=version)
    with read_session() as s:
        assert C.get_commune(s, admin).phone == "01 00 00 00 01"


def test_roles_and_tenancy_on_services(two_communes):
    a_agent = _actor(two_communes["a"]["users"]["agent"])
    a_admin = _actor(two_communes["a"]["users"]["admin"])
    a_elu = _actor(two_communes["a"]["users"]["elu"])
    b_service = two_communes["b"]["service_id"]
    with read_session() as s, pytest.raises(NotFound):
        C.get_service(s, a_agent, b_service)
    with pytest.raises(NotFound), write_session() as s:
        C.save_service(s, a_admin, {"name": "Piraté"}, service_id=b_service)
    for who in (a_agent, a_elu):
        with pytest.raises(PermissionDenied), write_session() as s:
            C.save_service(s, who, {"name": "Nouveau"})
    with write_session() as s:
        created = C.save_service(s, a_admin, {"name": "Culture", "hours": "mardi 14:00-18:00"})
        cid = created.id
    with read_session() as s:
        assert C.get_service(s, a_elu, cid).hours == {"mardi": [["14:00", "18:00"]]}
