"""The French API reference page (/api/v1/docs), over real HTTP, checked against the live
OpenAPI schema so that a new route is covered without touching this file."""

import html
import re

from communia.core.db import read_session, write_session
from communia.core.users import actor_by_email, create_api_token
from communia.web.security import read_only_may_write

METHODS = ("get", "post", "put", "patch", "delete")


def _article(page: str, operation_id: str) -> str:
    match = re.search(rf'<article class="api-op" id="{operation_id}".*?</article>', page, re.S)
    assert match, operation_id
    return match.group(0)


def test_reference_lists_every_operation_of_the_schema(http):
    schema = http.get("/api/v1/openapi.json")  # anonymous: the schema is public
    assert schema.status_code == 200
    response = http.get("/api/v1/docs")  # and so is its reference
    assert response.status_code == 200
    page = response.text
    assert '<html lang="fr">' in page
    assert "<script" not in page  # nothing to load, from a CDN or elsewhere
    operations = [
        (path, method, op)
        for path, item in schema.json()["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    assert len(operations) >= 30
    for path, method, op in operations:
        article = _article(page, op["operationId"])
        heading = f'{method.upper()}</span> <code class="api-path">{html.escape(path)}</code>'
        assert heading in article, (method, path)
        # a route says what it does, in French: its docstring or summary= (else only
        # « Service Create », FastAPI's English title, would be there to read)
        assert "<p><strong>" in article, f"{method.upper()} {path} : docstring manquante"
        for code in op["responses"]:
            assert f"<strong>{code}</strong>" in article, (method, path, code)
        for param in op.get("parameters", []):
            assert f"<td><code>{param['name']}</code></td>" in article, (path, param["name"])
        # what an élu may write is marked from the allow-list the app enforces
        marked = "Ouverte au conseil municipal" in article
        assert marked == (method != "get" and read_only_may_write(path)), (method, path)
    assert "Ouverte au conseil municipal" in _article(
        page, schema.json()["paths"]["/api/v1/assistant/ask"]["post"]["operationId"]
    )
    for path, method in (("/api/v1/commune", "patch"), ("/api/v1/privacy/reidentify", "post")):
        op = schema.json()["paths"][path][method]
        assert "Ouverte au conseil municipal" not in _article(page, op["operationId"])


def test_request_bodies_are_resolved_to_their_fields(http):
    schema = http.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    page = http.get("/api/v1/docs").text
    resolved = 0
    for item in schema["paths"].values():
        for op in item.values():
            ref = (
                op.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref")
            )
            if not ref:
                continue
            target = components[ref.rsplit("/", 1)[1]]
            article = _article(page, op["operationId"])
            for name in target["properties"]:
                required = "oui" if name in target.get("required", []) else "non"
                row = rf"<td><code>{name}</code></td>\s*<td>.*?</td>\s*<td>{required}</td>"
                assert re.search(row, article, re.S), (op["operationId"], name)
            resolved += 1
    assert resolved >= 5
    # A field's French description comes from the model (CommuneUpdate.version here), and a
    # nested $ref (the chat's messages) links to the object's own table further down.
    patch = _article(page, schema["paths"]["/api/v1/commune"]["patch"]["operationId"])
    assert "Version lue" in patch
    assert '<a href="#schema-_Message">_Message</a>' in page
    assert 'id="schema-_Message"' in page


def test_reference_is_french_and_linked_from_every_page(http, live_server):
    page = http.get("/api/v1/docs").text
    for french in ("Authentification", "Corps de la requête", "Obligatoire", "Réponses"):
        assert french in page
    for english in ("Successful Response", "Validation Error", "Ask as a citizen"):
        assert english not in page
    assert "X-CSRF-Token" in page and "communia users token" in page
    assert 'href="/api/v1/openapi.json"' in page
    assert 'href="/api/v1/docs"' in http.get("/").text  # the footer


def test_the_curl_example_works_as_written(http, two_communes):
    """The page's first curl line, run with a real token, answers the account."""
    page = html.unescape(http.get("/api/v1/docs").text)
    url = re.search(r'curl -H "Authorization: Bearer \$JETON" (\S+)', page).group(1)
    with read_session() as s:
        actor = actor_by_email(s, "agent@ville-a.fr")
    with write_session() as s:
        token = create_api_token(s, actor, label="test")
    response = http.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["commune_slug"] == "ville-a"
