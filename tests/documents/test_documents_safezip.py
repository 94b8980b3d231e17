"""The core's safe ZIP reader, shared by the document reader and the upload pages: real
archives, crafted bombs, and the French refusals."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from communia.core.documents import (
    ProtectedDocument,
    SafeZip,
    UnreadableDocument,
    ZipLimits,
    unzip,
)
from communia.core.errors import TooLarge
from communia_testing import lying_zip, zip_of

FIXTURES = Path(__file__).parent / "fixtures"
LIMITS = ZipLimits(max_members=10, max_unpacked_bytes=20 * 1024 * 1024, max_ratio=100)


def test_members_come_out_with_their_folders_and_without_metadata():
    raw = zip_of(
        {
            "export/Flows.csv": b"a,b\n1,2\n",
            "export\\Levels.csv": b"x\n",  # written by a Windows archiver
            "./notes.txt": b"rien",
            "__MACOSX/export/._Flows.csv": b"\0",
            "export/.DS_Store": b"\0",
        }
    )
    assert list(unzip(raw, name="t.zip", limits=LIMITS)) == [
        ("export/Flows.csv", b"a,b\n1,2\n"),
        ("export/Levels.csv", b"x\n"),
        ("notes.txt", b"rien"),
    ]


def test_a_header_that_lies_about_the_size_is_refused():
    """30 Mo of zeros declared as 1 000 bytes: the declared volume passes any limit, the
    content read does not match it and the archive is refused, naming the member."""
    raw = lying_zip("Flows.csv", real_bytes=30 * 1024 * 1024)
    with SafeZip(raw, name="t.zip", limits=LIMITS) as archive:
        assert archive.members[0].file_size == 1000  # the lie got through the headers' checks
    with pytest.raises(UnreadableDocument) as info:
        list(unzip(raw, name="t.zip", limits=LIMITS))
    assert info.value.message == (
        "« Flows.csv » est endommagé dans l'archive « t.zip » "
        "(contenu altéré ou taille annoncée fausse)."
    )


def test_reading_stops_at_the_bound_whatever_the_header_says():
    noise = random.Random(7).randbytes(5 * 1024 * 1024)  # incompressible
    raw = zip_of({"a.csv": noise})
    with SafeZip(raw, name="t.zip", limits=LIMITS) as archive:
        assert len(archive.read(archive.members[0], at_most=1000)) == 1001
    small = ZipLimits(max_members=10, max_unpacked_bytes=8 * 1024 * 1024, max_ratio=100)
    two = zip_of({"a.csv": noise, "b.csv": noise})
    with pytest.raises(TooLarge, match="plus de 8 Mo"):
        list(unzip(two, name="t.zip", limits=small))


def test_a_high_ratio_member_is_a_bomb_before_anything_is_read():
    raw = zip_of({"zeros.csv": b"\0" * (10 * 1024 * 1024)})  # ~1 000 times
    with pytest.raises(TooLarge) as info:
        SafeZip(raw, name="t.zip", limits=LIMITS)
    assert info.value.message == (
        "L'archive « t.zip » est refusée : « zeros.csv » est compressé plus de 100 fois "
        "(protection contre les bombes ZIP)."
    )
    # a small file may compress a lot: below 1 Mo the ratio is not suspicious
    assert list(unzip(zip_of({"z.csv": b"\0" * 500_000}), name="t.zip", limits=LIMITS))


@pytest.mark.parametrize("member", ["../frequentation.csv", "/etc/passwd", "C:/x.csv", "a/../../b"])
def test_a_path_leaving_the_folder_is_refused(member):
    with pytest.raises(UnreadableDocument, match="sort du dossier") as info:
        SafeZip(zip_of({member: b"x"}), name="piege.zip", limits=LIMITS)
    assert f"« {member} »" in info.value.message and "piege.zip" in info.value.message


def test_count_password_and_broken_archives_are_refused_in_french():
    many = zip_of({f"f{i}.csv": b"x" for i in range(11)})
    with pytest.raises(TooLarge, match="elle contient 11 fichiers \\(limite 10\\)"):
        SafeZip(many, name="t.zip", limits=LIMITS)
    with pytest.raises(ProtectedDocument, match="protégée par un mot de passe"):
        SafeZip((FIXTURES / "protege.zip").read_bytes(), name="protege.zip", limits=LIMITS)
    with pytest.raises(UnreadableDocument, match="n'est pas au format ZIP"):
        SafeZip(b"PK\x03\x04 tronque", name="t.zip", limits=LIMITS)
