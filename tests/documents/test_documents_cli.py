from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from communia.core.documents.cli import documents_group

FIXTURES = Path(__file__).parent / "fixtures"


def test_extract_text_output_cites_positions():
    result = CliRunner().invoke(documents_group, ["extract", str(FIXTURES / "cctp.pdf")])
    assert result.exit_code == 0, result.output
    assert "format PDF, 2 page(s)" in result.output
    assert "[page 2, § 2.3] ¶" in result.output


def test_extract_json():
    result = CliRunner().invoke(documents_group, ["extract", "--json", str(FIXTURES / "menus.csv")])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["format"] == "csv" and data["blocks"][0]["kind"] == "table"


def test_refusal_is_a_french_message_and_an_exit_code():
    from communia.core.errors import CommuniaError

    result = CliRunner().invoke(documents_group, ["extract", str(FIXTURES / "protege.pdf")])
    # Outside the root group the error propagates; the root command turns it into a message.
    assert isinstance(result.exception, CommuniaError)
    assert result.exception.exit_code == 2


def test_cli_and_library_import_no_heavy_dependency():
    code = (
        "import sys, communia.core.documents, communia.core.documents.cli;"
        "heavy = {'pypdfium2', 'PIL', 'pytesseract', 'docx', 'openpyxl', 'odf',"
        " 'charset_normalizer'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
