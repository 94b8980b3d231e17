"""Role names in the interface are neither masculine nor feminine (docs/architecture.md,
« UI conventions »): named by their function, never with « (e) » or a middle dot."""

import io
import re
import tokenize
from pathlib import Path

import pytest

from communia.core.users import ROLE_LABELS
from communia_testing import login

SRC = Path(__file__).resolve().parents[2] / "src" / "communia"
# « connecté(e) », « élu(e)s », « agent·e », « administrateur.rice »: the forms the rule excludes.
SPLIT_FORMS = re.compile(r"\w\((?:e|es|ne|rice|se)\)|\w[·⋅•](?:e|es|ne|rice|se)\b")


def _texts(path: Path) -> list[str]:
    """What people can read in a file: a template whole, the string literals of code."""
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return [source]
    if path.suffix == ".js":
        return re.findall(r'"[^"\n]*"', source)
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t.string for t in tokens if t.type == tokenize.STRING]


def test_no_split_gender_forms_in_templates_or_messages():
    offenders = [
        f"{path.relative_to(SRC)}: {match.group(0)}"
        for path in sorted(SRC.rglob("*"))
        if path.suffix in (".html", ".py", ".js")
        for text in _texts(path)
        for match in SPLIT_FORMS.finditer(text)
    ]
    assert offenders == []


def test_role_labels_name_a_function():
    assert ROLE_LABELS == {
        "admin": "Administration",
        "agent": "Personnel municipal",
        "elu": "Conseil municipal (lecture seule)",
    }


@pytest.mark.parametrize("email", ["admin@ville-a.fr", "agent@ville-a.fr", "elu@ville-a.fr"])
def test_the_header_names_the_role_with_its_label(http, two_communes, email):
    login(http, email)
    page = http.get("/app").text
    header = page.split("</header>")[0]
    role = {"admin": "admin", "agent": "agent", "elu": "elu"}[email.split("@")[0]]
    assert f"· {ROLE_LABELS[role]} ·" in header
    for gendered in ("Administrateur", "Élu", "· Agent ·"):
        assert gendered not in header
