"""The JSON API over real HTTP."""

from communia.core.db import read_session, write_session
from communia.core.users import actor_by_email, create_api_token


def _token(email):
    with read_session() as s:
        actor = actor_by_email(s, email)
    with write_session() as s:
        return create_api_token(s, actor, label="test")


def test_openapi_schema_documents_the_api(http):
    schema = http.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Communia"
    assert "/api/v1/services/{service_id}" in schema["paths"]


def test_requires_authentication(http, two_communes):
    response = http.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "authentification_requise"
    bad = http.get("/api/v1/me", headers={"Authorization": "Bearer faux"})
    assert bad.status_code == 401


def test_read_and_write_with_bearer_token(http, two_communes):
    headers = {"Authorization": f"Bearer {_token('admin@ville-a.fr')}"}
    assert http.get("/api/v1/me", headers=headers).json()["commune_slug"] == "ville-a"
    created = http.post(
        "/api/v1/services",
        headers=headers,
        json={"name": "Culture", "hours": {"mardi": [["14:00", "18:00"]]}},
    )
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    patched = http.patch(
        f"/api/v1/services/{sid}", headers=headers, json={"phone": "01 11 11 11 11", "version": 1}
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = http.patch(
        f"/api/v1/services/{sid}", headers=headers, json={"phone": "x", "version": 1}
    )
    assert stale.status_code == 409
    assert http.delete(f"/api/v1/services/{sid}", headers=headers).status_code == 204
    audit = http.get("/api/v1/audit", headers=headers).json()
    assert {"service.create", "service.update", "service.delete"} <= {a["action"] for a in audit}


def test_tenancy_api_returns_404_for_other_commune(http, two_communes):
    headers = {"Authorization": f"Bearer {_token('admin@ville-a.fr')}"}
    b = two_communes["b"]
    assert http.get(f"/api/v1/services/{b['service_id']}", headers=headers).status_code == 404
    assert (
        http.patch(
            f"/api/v1/services/{b['service_id']}", headers=headers, json={"name": "x"}
        ).status_code
        == 404
    )
    assert http.delete(f"/api/v1/services/{b['service_id']}", headers=headers).status_code == 404
    b_users = http.get("/api/v1/users", headers=headers).json()
    assert all(u["email"].endswith("@ville-a.fr") for u in b_users)


def test_elu_is_read_only_through_the_api(http, two_communes):
    headers = {"Authorization": f"Bearer {_token('elu@ville-a.fr')}"}
    assert http.get("/api/v1/services", headers=headers).status_code == 200
    assert http.post("/api/v1/services", headers=headers, json={"name": "x"}).status_code == 403


def test_malformed_json_and_invalid_fields_get_french_422(http, two_communes):
    headers = {
        "Authorization": f"Bearer {_token('admin@ville-a.fr')}",
        "content-type": "application/json",
    }
    broken = http.post("/api/v1/services", headers=headers, content=b"{pas du json")
    assert broken.status_code == 422
    assert broken.json()["message"] == "Le corps de la requête n'est pas du JSON valide."
    bad_hours = http.post(
        "/api/v1/services", headers=headers, json={"name": "X", "hours": "lundy 8-9"}
    )
    assert bad_hours.status_code == 422 and "jour inconnu" in bad_hours.json()["message"]


def test_session_cookie_api_calls_need_csrf_header(http, two_communes):
    from communia_testing import csrf_of, login

    login(http, "admin@ville-a.fr")
    assert http.get("/api/v1/me").status_code == 200
    assert http.post("/api/v1/services", json={"name": "Sans jeton"}).status_code == 403
    token = csrf_of(http)
    ok = http.post("/api/v1/services", json={"name": "Avec jeton"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201


def test_an_api_token_is_listed_and_revoked_from_the_account_page(http, two_communes):
    """A leaked token must be revocable by its owner in the browser, not only by
    deactivating the whole account; another user cannot revoke it."""
    import re

    from communia_testing import csrf_of, login

    login(http, "agent@ville-a.fr")
    page = http.post(
        "/app/compte/jeton",
        data={"csrf_token": csrf_of(http, "/app/compte"), "label": "Tableau de bord voirie"},
    )
    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert http.get("/api/v1/me", headers=headers).status_code == 200
    listing = http.get("/app/compte").text
    assert "Tableau de bord voirie" in listing and "actif" in listing
    action = re.search(r'action="(/app/compte/jetons/\d+/revoquer)"', listing).group(1)

    http.cookies.clear()
    login(http, "agent@ville-b.fr")  # another commune's agent: not theirs
    assert http.post(action, data={"csrf_token": csrf_of(http)}).status_code == 404
    assert http.get("/api/v1/me", headers=headers).status_code == 200

    http.cookies.clear()
    login(http, "agent@ville-a.fr")
    done = http.post(action, data={"csrf_token": csrf_of(http)}, follow_redirects=True)
    assert done.status_code == 200 and "révoqué" in done.text
    assert "Révoquer" not in done.text  # nothing left to revoke
    assert http.get("/api/v1/me", headers=headers).status_code == 401
    audit = http.get("/app/journal").text
    assert "API révoqué" in audit and audit.count("Tableau de bord voirie") == 2  # made, revoked


def test_modules_lists_module_cards_and_the_core_services(http, two_communes):
    headers = {"Authorization": f"Bearer {_token('admin@ville-a.fr')}"}
    cards = {c["name"]: c for c in http.get("/api/v1/modules", headers=headers).json()}
    # The core services process text for every commune: listed, always enabled, never a module.
    assert cards["llm"]["kind"] == cards["privacy"]["kind"] == "service"
    assert cards["llm"]["enabled"] and cards["privacy"]["enabled"]
    assert "pseudonymisation" in cards["privacy"]["title"]
    modules = [c for c in cards.values() if c["kind"] == "module"]
    assert {"assistant", "canteen", "water"} <= {c["name"] for c in modules}
    assert all(c["title"] and c["logic"] and c["human_oversight"] for c in cards.values())
