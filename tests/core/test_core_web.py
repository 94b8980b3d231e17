"""The web app over real HTTP: login, roles, CSRF, tenancy, bad input."""

import re

from communia_testing import PASSWORD, csrf_of, login


def test_public_pages_need_no_login(http, two_communes):
    home = http.get("/")
    assert home.status_code == 200
    assert 'lang="fr"' in home.text and 'href="#contenu"' in home.text  # skip link
    page = http.get("/c/ville-a")
    assert page.status_code == 200 and "Urbanisme Ville-A" in page.text
    assert http.get("/c/inconnue").status_code == 404
    assert http.get("/app").status_code == 303  # agents' side redirects to login
    # A skip link leads somewhere: « Aller au menu » only where the page has a menu.
    assert 'href="#navigation"' not in page.text and 'id="navigation"' not in page.text
    login(http, "agent@ville-a.fr")
    dashboard = http.get("/app").text
    assert 'href="#navigation"' in dashboard and 'id="navigation"' in dashboard


def test_login_logout_and_session_cookie_flags(http, two_communes):
    response = login(http, "agent@ville-a.fr")
    assert response.status_code == 303 and response.headers["location"] == "/app"
    cookie = response.headers["set-cookie"]
    assert "communia_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    dashboard = http.get("/app")
    assert dashboard.status_code == 200 and "Tableau de bord" in dashboard.text
    # people see the commune's name, not its URL slug
    assert "Personnel municipal · Ville-A</span>" in dashboard.text
    assert "<li>Commune\u00a0: Ville-A</li>" in http.get("/app/compte").text
    token = csrf_of(http)
    assert http.post("/deconnexion", data={"csrf_token": token}).status_code == 303
    assert http.get("/app").status_code == 303


def test_wrong_password_is_rate_limited_without_enumeration(http, two_communes):
    known = login(http, "agent@ville-a.fr", "mauvais-mot-de-passe")
    unknown = login(http, "inconnu@ville-a.fr", "mauvais-mot-de-passe")
    assert known.status_code == unknown.status_code == 401
    message = re.search(r'role="alert"[^>]*>([^<]+)<', known.text).group(1)
    assert message in unknown.text
    for _ in range(5):
        last = login(http, "agent@ville-a.fr", "mauvais-mot-de-passe")
    assert last.status_code == 429 and "Trop de tentatives" in last.text
    assert login(http, "agent@ville-a.fr", PASSWORD).status_code == 429  # still locked


def test_forms_without_csrf_token_are_refused(http, two_communes):
    login(http, "admin@ville-a.fr")
    response = http.post("/app/commune", data={"name": "Piratée", "version": "1"})
    assert response.status_code == 403
    assert "jeton de sécurité" in response.text
    bad_login = http.post(
        "/connexion", data={"email": "x@y.fr", "password": "z", "csrf_token": "faux"}
    )
    assert bad_login.status_code == 422


def test_admin_edits_profile_and_service_elu_cannot(http, two_communes):
    login(http, "admin@ville-a.fr")
    token = csrf_of(http, "/app/commune")
    version = re.search(r'name="version" value="(\d+)"', http.get("/app/commune").text).group(1)
    data = {
        "csrf_token": token,
        "version": version,
        "name": "Ville-A",
        "insee_code": "44109",
        "population": "4175",
    }
    assert http.post("/app/commune", data=data).status_code == 303
    assert "44109" in http.get("/app/commune").text
    stale = http.post("/app/commune", data={**data, "population": "1"})
    assert stale.status_code == 409 and "modifiée par quelqu" in stale.text

    elu = type(http)(base_url=str(http.base_url))
    login(elu, "elu@ville-a.fr")
    elu_token = csrf_of(elu)
    refused = elu.post(
        "/app/commune", data={**data, "csrf_token": elu_token, "version": str(int(version) + 1)}
    )
    assert refused.status_code == 403
    assert elu.get("/app/journal").status_code == 200  # read-only access to everything
    elu.close()


def test_html_and_sql_looking_input_is_inert(http, two_communes):
    login(http, "admin@ville-a.fr")
    token = csrf_of(http, "/app/services/nouveau")
    evil = "<script>alert('x')</script>'; DROP TABLE services; --"
    response = http.post(
        "/app/services/nouveau",
        data={"csrf_token": token, "name": evil, "description": evil, "hours": "lundi 08:00-12:00"},
    )
    assert response.status_code == 303
    listing = http.get("/app/services").text
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing
    assert "Urbanisme Ville-A" in listing  # the table is still there


def test_tenancy_web_returns_404_for_other_commune(http, two_communes):
    login(http, "admin@ville-a.fr")
    b_service = two_communes["b"]["service_id"]
    assert http.get(f"/app/services/{b_service}").status_code == 404
    token = csrf_of(http)
    assert (
        http.post(f"/app/services/{b_service}", data={"csrf_token": token, "name": "x"}).status_code
        == 404
    )


def test_oversized_body_gets_413_in_french(http, two_communes):
    body = b"x" * (26 * 1024 * 1024)
    response = http.post(
        "/api/v1/services", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["message"]


def test_security_headers(http, two_communes):
    headers = http.get("/").headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_user_changes_own_password_and_other_sessions_close(http, two_communes, live_server):
    import httpx

    from communia.core.db import read_session
    from communia.core.models import AuditEntry

    new = "Nouveau-Secret-2027"
    with httpx.Client(base_url=live_server, follow_redirects=False) as other:
        login(other, "elu@ville-a.fr")
        assert other.get("/app").status_code == 200
        login(http, "elu@ville-a.fr")  # a read-only role may change its own password
        page = http.get("/app/compte")
        assert "<title>Mon compte" in page.text
        assert page.text.count('autocomplete="current-password"') == 1
        token = csrf_of(http, "/app/compte")
        refusals = [
            ({"actuel": "faux", "nouveau": new, "confirmation": new}, "actuel est incorrect"),
            ({"actuel": PASSWORD, "nouveau": new, "confirmation": new + "x"}, "diffèrent"),
            ({"actuel": PASSWORD, "nouveau": "court", "confirmation": "court"}, "12 caractères"),
            ({"actuel": PASSWORD, "nouveau": PASSWORD, "confirmation": PASSWORD}, "différent"),
        ]
        for form, message in refusals:
            r = http.post("/app/compte/mot-de-passe", data={**form, "csrf_token": token})
            assert r.status_code == 422 and message in r.text, (form, r.text[:300])
        assert other.get("/app").status_code == 200  # nothing changed so far
        r = http.post(
            "/app/compte/mot-de-passe",
            data={"actuel": PASSWORD, "nouveau": new, "confirmation": new, "csrf_token": token},
        )
        assert r.status_code == 303 and r.headers["location"] == "/app/compte"
        assert "Votre autre session ouverte a été fermée" in http.get("/app/compte").text
        assert other.get("/app").status_code == 303  # the other session is closed
    assert http.get("/app").status_code == 200  # this one stays open
    http.cookies.clear()
    assert login(http, "elu@ville-a.fr").status_code != 303  # old password refused
    assert login(http, "elu@ville-a.fr", new).status_code == 303
    with read_session() as s:
        entry = s.query(AuditEntry).filter_by(action="user.password").one()
    assert entry.actor == "elu@ville-a.fr" and new not in str(entry.details or "")


def test_audit_trail_filters_and_csv_export(http, two_communes):
    """A person finds the AI outputs, a word or a range of days in the trail and exports
    what they found; a bad date gets a French message, the filters kept."""
    import csv
    import io
    from datetime import datetime, timedelta

    from sqlalchemy import select

    from communia.core import audit
    from communia.core.communes import PARIS
    from communia.core.db import read_session, write_session
    from communia.core.models import AuditEntry

    with write_session() as s:
        for key, summary in (("a", "Prévision des repas Ville-A"), ("b", "Prévision Ville-B")):
            audit.record(
                s,
                actor="systeme",
                action="canteen.forecast",
                commune_id=two_communes[key]["commune_id"],
                summary=summary,
                model="LightGBM",
                model_version="canteen-gbm-2",
                validation_status="a_valider",
            )
    login(http, "elu@ville-a.fr")  # reading the trail is for every role
    page = http.get("/app/journal", params={"ia": "1"}).text
    assert "Prévision des repas Ville-A" in page and "1 ligne correspondant" in page
    assert "Connexion" not in page and "Ville-B" not in page
    assert 'href="/app/journal.csv?ia=1"' in page
    page = http.get("/app/journal", params={"q": "connexion"}).text
    assert "Connexion" in page and "Prévision" not in page

    export = http.get("/app/journal.csv", params={"ia": "1"})
    assert export.status_code == 200 and export.content.startswith(b"\xef\xbb\xbf")
    assert "journal-ville-a.csv" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    with read_session() as s:
        line = s.scalar(
            select(AuditEntry).where(AuditEntry.summary == "Prévision des repas Ville-A")
        )
    assert [r["resume"] for r in rows] == ["Prévision des repas Ville-A"]
    assert rows[0]["validation_humaine"] == "à valider" and rows[0]["empreinte"] == line.hash
    # who, as the page says it (the CSV said « systeme »)
    assert rows[0]["qui"] == "Communia (automatique)"
    assert rows[0]["date"].startswith(line.at.astimezone(PARIS).strftime("%d/%m/%Y "))

    today = datetime.now(PARIS).date()
    day_before = (today - timedelta(days=1)).isoformat()
    assert "Prévision des repas" in http.get("/app/journal", params={"du": today.isoformat()}).text
    page = http.get("/app/journal", params={"au": day_before}).text
    assert "Aucune ligne ne correspond à ces critères" in page

    page = http.get("/app/journal", params={"du": "2026-13-45", "q": "prévision"})
    assert page.status_code == 200 and 'role="alert"' in page.text
    assert "2026-13-45\u00a0» n&#39;est pas une date valide" in page.text
    assert 'value="2026-13-45"' in page.text and 'value="prévision"' in page.text
    bad = http.get("/app/journal.csv", params={"au": "demain"})
    assert bad.status_code == 422 and "pas une date valide" in bad.text


def test_public_page_phone_numbers_are_links(http, two_communes):
    """A service's number on the commune's page was plain text (only the town hall's was a
    link): a citizen on a phone had to retype it."""
    page = http.get("/c/ville-a").text
    assert '<a href="tel:0102030405">01\u00a002\u00a003\u00a004\u00a005</a>' in page  # one line


def test_links_only_what_can_be_called_or_opened():
    from communia.web.rendering import links

    assert str(links("appelez immédiatement le 15.")) == (
        'appelez immédiatement le <a href="tel:15">15</a>.'
    )
    assert str(links("• 114 : par SMS")) == '• <a href="tel:114">114</a> : par SMS'
    assert str(links("mise à jour le 15 mars 2020, au 15 rue Haute")) == (
        "mise à jour le 15 mars 2020, au 15 rue Haute"
    )
    assert str(links("SIRET 21449999000015")) == "SIRET 21449999000015"
    assert str(links("Source : https://www.service-public.fr/F1.")) == (
        'Source : <a href="https://www.service-public.fr/F1" rel="noopener">'
        "https://www.service-public.fr/F1</a>."
    )
    assert str(links('<b onclick="x">a@b.fr</b>')) == (
        '&lt;b onclick=&#34;x&#34;&gt;<a href="mailto:a@b.fr">a@b.fr</a>&lt;/b&gt;'
    )


def test_an_admin_is_not_offered_to_demote_or_deactivate_their_own_account(http, two_communes):
    """The own row's « Appliquer » could only end on « Données invalides » (refused): the row
    says how the account is changed instead."""
    from communia.core.db import read_session
    from communia.core.users import actor_by_email

    with read_session() as s:
        admin, agent = (actor_by_email(s, f"{r}@ville-a.fr") for r in ("admin", "agent"))
    login(http, "admin@ville-a.fr")
    page = http.get("/app/agents").text
    assert f'action="/app/agents/{admin.user_id}"' not in page
    assert f'action="/app/agents/{agent.user_id}"' in page
    assert "Votre compte\u00a0: son rôle et son état se changent depuis un autre compte" in page


def test_the_commune_home_leads_to_its_register_of_algorithms(http, two_communes):
    """The home page of a commune listed its AI modules but not the register the law asks
    it to publish (only the commune's contact page linked to it)."""
    login(http, "agent@ville-a.fr")
    assert 'href="/c/ville-a/algorithmes"' in http.get("/").text


def test_field_hints_start_in_lower_case_like_the_others(http, two_communes):
    """« Téléphone d'astreinte (Donné aux usagers…) » beside « SIRET (14 chiffres) »."""
    login(http, "admin@ville-a.fr")
    page = http.get("/app/commune").text
    assert "(donné aux usagers en cas d'urgence communale)" in page.replace("&#39;", "'")


def test_accessibility_statement_is_dated_and_names_whom_to_write_to(http, two_communes):
    statement = http.get("/accessibilite").text
    assert "Déclaration établie le" in statement and "Défenseur des droits" in statement
    assert "contactez la mairie" in statement  # no commune has given its contacts yet
    login(http, "admin@ville-a.fr")
    version = re.search(r'name="version" value="(\d+)"', http.get("/app/commune").text).group(1)
    data = {
        "csrf_token": csrf_of(http, "/app/commune"),
        "version": version,
        "name": "Ville-A",
        "insee_code": "44109",
        "population": "4175",
        "email": "mairie@ville-a.fr",
        "phone": "02 40 00 00 00",
    }
    assert http.post("/app/commune", data=data).status_code == 303
    statement = http.get("/accessibilite").text
    assert 'href="mailto:mairie@ville-a.fr"' in statement
    assert 'href="tel:0240000000"' in statement and "Ville-A" in statement
