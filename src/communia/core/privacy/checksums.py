"""Checksums of French identifiers: NIR (social security number), IBAN, SIREN/SIRET.

Pure functions on strings; separators (spaces, dots, hyphens) are ignored. They are used by
the recognisers (a number is reported only when its key is right) and by the generator of
the labelled benchmark set (which must produce valid identifiers).
"""

from __future__ import annotations

import re

__all__ = [
    "compact",
    "luhn_is_valid",
    "luhn_check_digit",
    "iban_key_holds",
    "siren_is_valid",
    "siret_is_valid",
    "nir_key",
    "nir_is_valid",
    "iban_is_valid",
    "iban_check_digits",
    "IBAN_LENGTHS",
    "LA_POSTE_SIREN",
]

LA_POSTE_SIREN = "356000000"

# Lengths of IBANs by country (SEPA area and neighbours): the recogniser reads exactly this
# many characters after the country code, so a following word is never swallowed.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "VA": 22, "MA": 28, "TN": 24, "DZ": 26, "SN": 28, "CI": 28,
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s.\-–]")


def compact(value: str) -> str:
    """The identifier without separators, upper case."""
    return _SEPARATORS.sub("", value).upper()


def luhn_is_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(digits: str) -> str:
    """The digit to append to ``digits`` so that the result passes Luhn."""
    for candidate in "0123456789":
        if luhn_is_valid(digits + candidate):
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def siren_is_valid(value: str) -> bool:
    """9 digits, Luhn key (La Poste's SIREN 356000000 is Luhn-valid too)."""
    digits = compact(value)
    return len(digits) == 9 and luhn_is_valid(digits)


def siret_is_valid(value: str) -> bool:
    """14 digits: Luhn on the whole number, except La Poste's establishments.

    La Poste (SIREN 356000000) has more establishments than Luhn keys allow: their SIRET is
    valid when the sum of its digits is a multiple of 5 (INSEE rule).
    """
    digits = compact(value)
    if len(digits) != 14 or not digits.isdigit():
        return False
    if digits.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in digits) % 5 == 0
    return luhn_is_valid(digits)


def _nir_numeric(body13: str) -> int | None:
    """The 13 first characters as a number (Corsica: 2A -> 19, 2B -> 18)."""
    body = body13.upper()
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return None
    return int(body)


def nir_key(body13: str) -> int | None:
    """The control key (97 - number mod 97) of a NIR's 13 first characters."""
    number = _nir_numeric(body13)
    if number is None:
        return None
    return 97 - number % 97


def nir_is_valid(value: str) -> bool:
    """15 characters: sex, year, month, department (2A/2B for Corsica), commune, order, key."""
    nir = compact(value)
    if len(nir) != 15 or nir[0] not in "123478":
        return False
    month = nir[3:5]
    if not month.isdigit() or not (1 <= int(month) <= 12 or 20 <= int(month) <= 99):
        return False
    if not nir[13:].isdigit():
        return False
    return nir_key(nir[:13]) == int(nir[13:])


def _iban_number(iban: str) -> int | None:
    rearranged = iban[4:] + iban[:4]
    digits = []
    for ch in rearranged:
        if ch.isdigit():
            digits.append(ch)
        elif "A" <= ch <= "Z":
            digits.append(str(ord(ch) - 55))
        else:
            return None
    return int("".join(digits))


def iban_is_valid(value: str) -> bool:
    """ISO 13616: known country length and mod-97 == 1."""
    iban = compact(value)
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    return iban_key_holds(iban)


def iban_key_holds(value: str) -> bool:
    """The mod-97 check of an IBAN, whatever its length."""
    number = _iban_number(compact(value))
    return number is not None and number % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits of an IBAN made of ``country`` and ``bban``."""
    number = _iban_number(country.upper() + "00" + bban.upper())
    assert number is not None
    return f"{98 - number % 97:02d}"
