"""Password-protected office files are refused with a French message.

The encrypted files are real: OOXML ones are encrypted by msoffcrypto-tool (ECMA-376 agile
encryption, what Word and Excel write), OpenDocument ones are built here following ODF 1.2
§ 3.4 (what LibreOffice writes: deflate, then AES-256-CBC with a PBKDF2 key derived from the
SHA-256 of the password, declared in META-INF/manifest.xml). Each test decrypts its file back
and reads it, so a broken encryption cannot pass for a refused document.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zipfile
import zlib
from pathlib import Path

import pytest

from communia.core.documents import ProtectedDocument, extract_bytes

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "Mairie-2026"


def _texts(data: bytes, name: str) -> list[str]:
    return [b.text for b in extract_bytes(name, data).blocks]


# --- OOXML (DOCX, XLSX) ---------------------------------------------------------------------
def _ooxml_encrypt(plain: bytes) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(PASSWORD, out)
    return out.getvalue()


def _ooxml_decrypt(data: bytes) -> bytes:
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=PASSWORD)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["rapport.docx", "budget.xlsx"])
def test_password_protected_ooxml_is_refused(name):
    plain = (FIXTURES / name).read_bytes()
    encrypted = _ooxml_encrypt(plain)
    assert encrypted[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file
    with pytest.raises(ProtectedDocument) as info:
        extract_bytes(f"protege-{name}", encrypted)
    message = str(info.value)
    assert f"protege-{name}" in message and "mot de passe" in message
    assert "enregistrez-le sans mot de passe" in message
    # the file is really encrypted, with that password
    assert _texts(_ooxml_decrypt(encrypted), name) == _texts(plain, name)


# --- OpenDocument (ODT, ODS) ------------------------------------------------------------------
_ENCRYPTED_MEMBERS = ("content.xml", "styles.xml", "meta.xml")


def _key(salt: bytes) -> bytes:
    start_key = hashlib.sha256(PASSWORD.encode()).digest()
    return hashlib.pbkdf2_hmac("sha1", start_key, salt, 100_000, 32)


def _odf_encrypt(plain: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.padding import PKCS7

    out = io.BytesIO()
    entries = []
    with zipfile.ZipFile(io.BytesIO(plain)) as src, zipfile.ZipFile(out, "w") as dst:
        dst.writestr("mimetype", src.read("mimetype"), compress_type=zipfile.ZIP_STORED)
        manifest = src.read("META-INF/manifest.xml").decode()
        for name in src.namelist():
            if name in ("mimetype", "META-INF/manifest.xml"):
                continue
            data = src.read(name)
            if name not in _ENCRYPTED_MEMBERS:
                dst.writestr(name, data)
                continue
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate
            deflated = compressor.compress(data) + compressor.flush()
            salt, iv = os.urandom(16), os.urandom(16)
            padder = PKCS7(128).padder()
            padded = padder.update(deflated) + padder.finalize()
            enc = Cipher(algorithms.AES(_key(salt)), modes.CBC(iv)).encryptor()
            dst.writestr(name, enc.update(padded) + enc.finalize(), zipfile.ZIP_STORED)
            checksum = hashlib.sha256(deflated[:1024]).digest()
            entries.append((name, len(data), salt, iv, checksum))
        for name, size, salt, iv, checksum in entries:
            b64 = base64.b64encode
            data_xml = (
                f"<manifest:encryption-data manifest:checksum-type="
                f'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" '
                f'manifest:checksum="{b64(checksum).decode()}">'
                f"<manifest:algorithm manifest:algorithm-name="
                f'"http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
                f'manifest:initialisation-vector="{b64(iv).decode()}"/>'
                f"<manifest:start-key-generation manifest:start-key-generation-name="
                f'"http://www.w3.org/2000/09/xmldsig#sha256" manifest:key-size="32"/>'
                f'<manifest:key-derivation manifest:key-derivation-name="PBKDF2" '
                f'manifest:key-size="32" manifest:iteration-count="100000" '
                f'manifest:salt="{b64(salt).decode()}"/></manifest:encryption-data>'
            )
            manifest = re.sub(
                rf'(<manifest:file-entry manifest:full-path="{re.escape(name)}"[^>]*?)/>',
                rf'\1 manifest:size="{size}">{data_xml}</manifest:file-entry>',
                manifest,
            )
        dst.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def _odf_decrypt(data: bytes) -> bytes:
    """Read the manifest's encryption data back and decrypt each member (ODF 1.2 § 3.4)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.padding import PKCS7

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        manifest = src.read("META-INF/manifest.xml").decode()
        for name in src.namelist():
            raw = src.read(name)
            m = re.search(
                rf'full-path="{re.escape(name)}"[^>]*>.*?initialisation-vector="([^"]+)".*?'
                r'manifest:salt="([^"]+)"',
                manifest,
                re.S,
            )
            if m:
                iv, salt = base64.b64decode(m.group(1)), base64.b64decode(m.group(2))
                dec = Cipher(algorithms.AES(_key(salt)), modes.CBC(iv)).decryptor()
                unpadder = PKCS7(128).unpadder()
                deflated = unpadder.update(dec.update(raw) + dec.finalize()) + unpadder.finalize()
                raw = zlib.decompress(deflated, -15)
            if name == "META-INF/manifest.xml":
                raw = re.sub(
                    r"<manifest:encryption-data.*?</manifest:encryption-data>",
                    "",
                    manifest,
                    flags=re.S,
                ).encode()
            dst.writestr(name, raw)
    return out.getvalue()


@pytest.mark.parametrize("name", ["deliberation.odt", "budget.ods"])
def test_password_protected_opendocument_is_refused(name):
    plain = (FIXTURES / name).read_bytes()
    encrypted = _odf_encrypt(plain)
    with zipfile.ZipFile(io.BytesIO(encrypted)) as zf:  # the content is unreadable as such
        raw = zf.read("content.xml")
        try:  # random bytes may happen to inflate (rarely): they still hold no document
            inflated = zlib.decompress(raw, -15)
        except zlib.error:
            inflated = b""
        assert b"office:document-content" not in raw + inflated
    with pytest.raises(ProtectedDocument) as info:
        extract_bytes(f"protege-{name}", encrypted)
    assert "mot de passe" in str(info.value) and f"protege-{name}" in str(info.value)
    assert _texts(_odf_decrypt(encrypted), name) == _texts(plain, name)
