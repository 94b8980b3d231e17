import random

import pytest

from communia.core.privacy.checksums import (
    iban_is_valid,
    luhn_is_valid,
    nir_is_valid,
    nir_key,
    siren_is_valid,
    siret_is_valid,
)
from communia.core.privacy.synthetic import make_iban, make_nir, make_siren, make_siret


def test_nir_official_example_and_corsica():
    assert nir_is_valid("2 55 08 14 168 025 38")
    assert not nir_is_valid("2 55 08 14 168 025 39")  # wrong key
    assert not nir_is_valid("2 55 13 14 168 025 38")  # month 13 does not exist
    assert not nir_is_valid("5 55 08 14 168 025 38")  # sex digit
    # Corsica: 2A counts as 19, 2B as 18 in the key computation.
    assert nir_key("269052A004012") == 97 - int("2690519004012") % 97
    assert nir_is_valid(f"269052A004012{nir_key('269052A004012'):02d}")
    assert not nir_is_valid(f"269052B004012{nir_key('269052A004012'):02d}")


def test_iban_mod97():
    assert iban_is_valid("FR76 3000 6000 0112 3456 7890 189")
    assert iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_is_valid("FR76 3000 6000 0112 3456 7890 188")
    assert not iban_is_valid("FR76 3000 6000 0112 3456 7890 18")  # FR is 27 characters
    assert not iban_is_valid("")


def test_siren_siret_luhn_and_la_poste():
    assert siren_is_valid("732 829 320")
    assert not siren_is_valid("732 829 321")
    assert siret_is_valid("732 829 320 00074")
    assert not siret_is_valid("732 829 320 00075")
    # La Poste: digit sum multiple of 5 instead of Luhn.
    assert siret_is_valid("35600000000001") and not luhn_is_valid("35600000000001")
    assert not siret_is_valid("35600000000048") and luhn_is_valid("35600000000048")
    assert not siret_is_valid("abc")


@pytest.mark.parametrize("seed", range(5))
def test_generated_identifiers_are_valid(seed):
    rng = random.Random(seed)
    for _ in range(200):
        assert nir_is_valid(make_nir(rng, spaced=rng.random() < 0.5))
        assert iban_is_valid(make_iban(rng))
        assert siren_is_valid(make_siren(rng))
        assert siret_is_valid(make_siret(rng, la_poste=rng.random() < 0.3))
