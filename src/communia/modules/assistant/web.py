"""Pages of the assistant: citizens' chat (no JavaScript needed) with callback booking,
embeddable widget, JSON API, agents' dashboard, queue of unanswered questions, callbacks to
make, knowledge list and staffing simulator.

Thin adapters: parse, one library call, render."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from communia.core.communes import list_services
from communia.core.db import read_session, write_session
from communia.core.errors import CommuniaError
from communia.core.users import Actor
from communia.web.forms import form_data
from communia.web.rendering import redirect_with_flash, render
from communia.web.security import check_csrf, require_actor

__all__ = ["router", "public_router", "api_router"]

router = APIRouter(include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["assistant"])
STATIC = Path(__file__).parent / "static"
# the widget calls the API from the commune's own site (simple form posts, no cookie)
CORS = {"access-control-allow-origin": "*"}


# ------------------------------------------------------------------ citizens


@public_router.get("", response_class=HTMLResponse)
def chat_page(request: Request, commune: str):
    from communia.core.communes import commune_by_slug

    with read_session() as s:
        commune_obj = commune_by_slug(s, commune)
    return render(
        request, "assistant/chat.html", {"commune": commune_obj, "exchange": None, "token": ""}
    )


@public_router.post("", response_class=HTMLResponse)
def chat_post(
    request: Request,
    commune: str,
    question: str = Form(""),
    conversation: str = Form(""),
):
    from communia.core.communes import commune_by_slug
    from communia.modules.assistant.conversations import earlier_exchanges, offers_callback
    from communia.modules.assistant.emergency import POSSIBLE_DANGER
    from communia.modules.assistant.engine import ask

    with read_session() as s:
        commune_obj = commune_by_slug(s, commune)
        history = earlier_exchanges(s, commune_id=commune_obj.id, token=conversation)
    result = ask(question, commune_slug=commune, conversation=conversation or None, channel="web")
    return render(
        request,
        "assistant/chat.html",
        {
            "commune": commune_obj,
            "history": history,
            "exchange": {"question": question[:2000], "answer": result},
            "token": result.conversation or "",
            "offer_callback": offers_callback(result.action, result.service_slug),
            "possible_danger": POSSIBLE_DANGER if "urgence_possible" in result.notes else "",
        },
    )


@public_router.post("/rappel", response_class=HTMLResponse)
def chat_callback(
    request: Request, commune: str, conversation: str = Form(""), contact: str = Form("")
):
    """Book a callback by the service the last answer sent the citizen to. Like the other
    public forms of this page: no session, so no CSRF token; the conversation token links it."""
    from communia.core.communes import commune_by_slug
    from communia.modules.assistant.conversations import (
        book_callback_for_conversation,
        callback_message,
    )

    with read_session() as s:
        commune_obj = commune_by_slug(s, commune)
    ctx = {"commune": commune_obj, "exchange": None, "token": conversation}
    try:
        with write_session() as s:
            cb, service = book_callback_for_conversation(
                s, commune_id=commune_obj.id, token=conversation, contact=contact
            )
            booked = callback_message(cb, service)
    except CommuniaError as exc:
        # the form again, with the French error and what was typed: nothing is lost
        ctx.update(offer_callback=True, callback_error=exc.message, contact=contact[:200])
        return render(request, "assistant/chat.html", ctx, status_code=exc.http_status)
    return render(request, "assistant/chat.html", {**ctx, "booked": booked})


@public_router.post("/avis", response_class=HTMLResponse)
def chat_feedback(
    request: Request, commune: str, conversation: str = Form(""), utile: str = Form("")
):
    from communia.core.communes import commune_by_slug
    from communia.modules.assistant.conversations import callback_offered, feedback

    helpful = utile == "oui"
    with write_session() as s:
        commune_obj = commune_by_slug(s, commune)
        feedback(s, commune_id=commune_obj.id, token=conversation, helpful=helpful)
        # not helped: the callback by the service stays on offer
        offer = not helpful and callback_offered(s, commune_id=commune_obj.id, token=conversation)
    return render(
        request,
        "assistant/chat.html",
        {
            "commune": commune_obj,
            "exchange": None,
            "token": conversation,
            "thanks": True,
            "helped": helpful,
            "offer_callback": offer,
        },
    )


@public_router.get("/widget.js")
def widget(request: Request, commune: str):
    from communia.core.communes import commune_by_slug

    with read_session() as s:
        commune_by_slug(s, commune)  # 404 in French for an unknown commune
    base = str(request.base_url).rstrip("/")
    js = (STATIC / "widget.js").read_text(encoding="utf-8")
    js = js.replace("__BASE__", base).replace("__COMMUNE__", commune)
    return Response(
        js,
        media_type="text/javascript; charset=utf-8",
        headers={"cache-control": "public, max-age=300"},
    )


@api_router.post("/ask")
async def api_ask(request: Request):
    """Question d'un usager (public, sans authentification).

    Champs de formulaire (pas de requête préalable CORS : le widget l'appelle depuis le site
    de la commune) : ``commune`` (identifiant court), ``question``, ``conversation`` (jeton
    rendu par la réponse précédente, facultatif). Renvoie la réponse et ses sources, plus
    ``conversation`` et ``offer_callback`` (la réponse oriente vers un service : le widget
    propose « Être rappelé par le service »)."""
    from starlette.concurrency import run_in_threadpool

    from communia.modules.assistant.conversations import offers_callback
    from communia.modules.assistant.engine import ask

    form = await request.form()
    commune = str(form.get("commune", ""))
    question = str(form.get("question", ""))
    token = str(form.get("conversation", "")) or None
    try:
        result = await run_in_threadpool(
            ask, question, commune_slug=commune, conversation=token, channel="widget"
        )
    except CommuniaError as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=CORS)
    return JSONResponse(
        {
            **result.public(),
            "conversation": result.conversation,
            "offer_callback": offers_callback(result.action, result.service_slug),
        },
        headers=CORS,
    )


@api_router.post("/feedback")
async def api_feedback(request: Request):
    """Avis d'un usager sur une réponse (public).

    Champs de formulaire : ``commune``, ``conversation``, ``utile`` (``oui`` ou ``non``)."""
    from communia.core.communes import commune_by_slug
    from communia.modules.assistant.conversations import feedback

    form = await request.form()
    try:
        with write_session() as s:
            commune_id = commune_by_slug(s, str(form.get("commune", ""))).id
            feedback(
                s,
                commune_id=commune_id,
                token=str(form.get("conversation", "")),
                helpful=str(form.get("utile", "")) == "oui",
            )
    except CommuniaError as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=CORS)
    return JSONResponse({"ok": True}, headers=CORS)


@api_router.post("/callback")
async def api_callback(request: Request):
    """« Être rappelé par le service », demandé depuis le widget (public).

    Champs de formulaire : ``commune``, ``conversation``, ``contact`` (numéro de téléphone
    français ou adresse électronique). Réserve le prochain créneau libre du service vers
    lequel la dernière réponse a orienté l'usager (un seul rappel en attente par
    conversation, comme sur la page de dialogue). Renvoie ``{"service", "slot", "message"}`` ;
    un contact ou une conversation invalide donne une erreur 422 avec son ``message``."""
    from communia.core.communes import commune_by_slug
    from communia.modules.assistant.conversations import (
        book_callback_for_conversation,
        callback_message,
    )

    form = await request.form()
    try:
        with write_session() as s:
            commune_id = commune_by_slug(s, str(form.get("commune", ""))).id
            cb, service = book_callback_for_conversation(
                s,
                commune_id=commune_id,
                token=str(form.get("conversation", "")),
                contact=str(form.get("contact", "")),
            )
            out = {
                "service": service,
                "slot": cb.slot_start.isoformat(),
                "message": callback_message(cb, service),
            }
    except CommuniaError as exc:
        return JSONResponse(exc.to_dict(), status_code=exc.http_status, headers=CORS)
    return JSONResponse(out, headers=CORS)


# ------------------------------------------------------------------ agents


#: the simulator's fields: label and the value the form starts with
STAFFING_FIELDS = {
    "appels": ("Appels par heure", "53"),
    "duree": ("Durée moyenne d'un appel (min)", "3"),
    "patience": ("Patience moyenne avant de raccrocher (min)", "1"),
    "agents": ("Agents au téléphone", "2"),
    "bot": ("Part des appels résolus par l'assistant (%)", "0"),
    "lignes": ("Lignes téléphoniques", "4"),
}


def _dashboard_ctx(commune_id: int) -> dict:
    from communia.modules.assistant.conversations import (
        dashboard,
        open_questions,
        pending_callbacks,
        slot_text,
    )
    from communia.modules.assistant.engine import ACTION_LABELS
    from communia.modules.assistant.knowledge import due_for_review

    with read_session() as s:
        return {
            # the agents read the services' names, never their slugs
            "service_names": {svc.slug: svc.name for svc in list_services(s, commune_id)},
            "figures": dashboard(s, commune_id=commune_id),
            "queue": open_questions(s, commune_id=commune_id, limit=50),
            "callbacks": pending_callbacks(s, commune_id=commune_id),
            "review": due_for_review(s, commune_id=commune_id),
            "action_labels": ACTION_LABELS,
            "slot_text": slot_text,
            "staffing_fields": STAFFING_FIELDS,
        }


@router.get("", response_class=HTMLResponse)
def dashboard_page(request: Request, actor: Actor = Depends(require_actor)):
    return render(
        request, "assistant/dashboard.html", {**_dashboard_ctx(actor.commune_id), "report": None}
    )


@router.post("/rappels/{callback_id}/fait")
def callback_done(
    request: Request,
    callback_id: int,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    from communia.modules.assistant.conversations import mark_callback_done

    check_csrf(request, actor, form.get("csrf_token"))
    with write_session() as s:
        mark_callback_done(
            s, commune_id=actor.commune_id, callback_id=callback_id, actor=actor.email
        )
    return redirect_with_flash("/app/assistant", "Rappel marqué comme fait.")


@router.post("/file/{question_id}")
def answer_from_queue(
    request: Request,
    question_id: int,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    from communia.modules.assistant.conversations import answer_question, dismiss_question
    from communia.modules.assistant.knowledge import reindex

    check_csrf(request, actor, form.get("csrf_token"))
    with write_session() as s:
        if form.get("ecarter"):
            dismiss_question(
                s, commune_id=actor.commune_id, question_id=question_id, actor=actor.email
            )
            message = "Question écartée."
        else:
            answer_question(
                s,
                commune_id=actor.commune_id,
                question_id=question_id,
                title=form.get("title", ""),
                body=form.get("body", ""),
                service_slug=form.get("service", ""),
                actor=actor.email,
            )
            message = "Réponse enregistrée : elle fait désormais partie des connaissances."
    if not form.get("ecarter"):
        reindex(commune_id=actor.commune_id)
    return redirect_with_flash("/app/assistant", message)


@router.post("/effectifs", response_class=HTMLResponse)
def staffing_page(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    from communia.core.errors import InvalidInput
    from communia.modules.assistant.staffing import staffing_report

    check_csrf(request, actor, form.get("csrf_token"))
    # a field left out of the request takes its starting value; one emptied is refused
    typed = {key: form.get(key, default).strip() for key, (_, default) in STAFFING_FIELDS.items()}

    def num(key: str) -> float:
        if not typed[key]:
            raise InvalidInput(f"Indiquez une valeur : {STAFFING_FIELDS[key][0]}.")
        try:
            return float(typed[key].replace(",", ".").replace("\u202f", "").replace(" ", ""))
        except ValueError:
            raise InvalidInput(
                f"« {typed[key]} » n'est pas un nombre ({STAFFING_FIELDS[key][0]})."
            ) from None

    try:
        bot = num("bot")
        if not 0 <= bot <= 100:
            raise InvalidInput(
                "La part des appels résolus par l'assistant doit être entre 0 et 100 %."
            )
        report = staffing_report(
            calls_per_hour=num("appels"),
            handle_min=num("duree"),
            patience_min=num("patience"),
            agents=int(num("agents")),
            bot_rate=bot / 100,
            lines=int(num("lignes")),
            simulate=True,
        )
    except InvalidInput as exc:  # back to the simulator, what was typed kept
        context = {**_dashboard_ctx(actor.commune_id), "staffing": typed, "staffing_error": exc}
        return render(request, "assistant/dashboard.html", context, status_code=422)
    return render(
        request,
        "assistant/dashboard.html",
        {**_dashboard_ctx(actor.commune_id), "report": report, "staffing": typed},
    )
