/* Communia reception assistant widget: no external calls, keyboard and screen-reader friendly.
   Add to the commune's site: <script src="__BASE__/c/__COMMUNE__/assistant/widget.js" defer></script>
   Keyboard: the launcher opens the dialog and focuses the question; Enter sends (Shift+Enter
   adds a line); Escape or "Fermer" closes it and gives the focus back to the launcher.
   Answers are appended to a live region (role=log); an emergency answer is an alert
   that starts with « Urgence : appelez le 15. ».
   An answer that sends the citizen to a service offers "Être rappelé par le service": one
   field (French phone number or e-mail address) posted to the instance, which books the
   service's next free slot and says when; a refused contact keeps what was typed. */
(function () {
  "use strict";
  var BASE = "__BASE__", COMMUNE = "__COMMUNE__", conversation = "";
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text) { e.textContent = text; }
    return e;
  }
  var button = el("button", {"type": "button", "aria-expanded": "false", "aria-controls": "communia-chat",
    "style": "position:fixed;bottom:1rem;right:1rem;z-index:9999;padding:.7rem 1rem;border-radius:2rem;border:0;background:#000091;color:#fff;font:1rem/1.2 sans-serif;cursor:pointer"},
    "Une question ? Assistant de la mairie");
  var panel = el("div", {"id": "communia-chat", "role": "dialog", "aria-label": "Assistant de la mairie", "hidden": "",
    "style": "position:fixed;bottom:4.5rem;right:1rem;z-index:9999;width:min(24rem,92vw);max-height:75vh;display:none;flex-direction:column;box-sizing:border-box;background:#fff;color:#161616;border:1px solid #666;border-radius:.5rem;padding:1rem;font:1rem/1.4 sans-serif;text-align:left;box-shadow:0 4px 16px rgba(0,0,0,.25)"});
  var head = el("div", {"style": "flex:none"});
  var close = el("button", {"type": "button", "style": "float:right;margin-left:.5rem;font:inherit;cursor:pointer"}, "Fermer");
  head.appendChild(close);
  head.appendChild(el("p", {"style": "margin:0 0 .5rem"}, "Vous échangez avec une intelligence artificielle. En cas d'urgence, appelez le 112."));
  panel.appendChild(head);
  /* the conversation scrolls; the disclosure and the question field stay in view */
  var log = el("div", {"role": "log", "aria-live": "polite", "aria-label": "Conversation", "tabindex": "0",
    "style": "flex:1 1 auto;overflow-y:auto;min-height:3rem"});
  panel.appendChild(log);
  var status = el("p", {"role": "status", "style": "flex:none;margin:.3rem 0;font-style:italic"});
  panel.appendChild(status);
  var form = el("form", {"style": "flex:none"});
  var label = el("label", {"for": "communia-q", "style": "display:block;margin-top:.5rem"}, "Votre question");
  var hint = el("span", {"id": "communia-q-aide", "style": "display:block;font-size:.85rem;color:#555"}, "Entrée pour envoyer, Maj+Entrée pour aller à la ligne.");
  var input = el("textarea", {"id": "communia-q", "rows": "2", "maxlength": "20000", "aria-describedby": "communia-q-aide",
    "style": "width:100%;box-sizing:border-box;font:inherit"});
  var send = el("button", {"type": "submit", "style": "margin-top:.5rem;font:inherit;cursor:pointer"}, "Envoyer");
  form.appendChild(label); form.appendChild(hint); form.appendChild(input); form.appendChild(send);
  panel.appendChild(form);
  function add(who, role, text, sources, urgent) {
    var block = el("div", {"data-role": role, "style": "margin:.5rem 0" + (urgent ? ";border:2px solid #ce0500;padding:.4rem;background:#fee" : "")});
    if (urgent) {
      /* the number first, before the disclosure and the explanations (as on the page) */
      block.setAttribute("role", "alert");
      block.appendChild(el("p", {"style": "margin:0 0 .3rem;font-weight:700;font-size:1.1rem"}, "Urgence : appelez le " + urgent + "."));
    }
    block.appendChild(el("strong", {}, who + " : "));
    text.split("\n").forEach(function (line) {
      /* the sources are listed below: no raw "Source : ..." line */
      if (sources && sources.length && /^Source : /.test(line)) { return; }
      block.appendChild(el("p", {"style": "margin:.2rem 0"}, line));
    });
    (sources || []).forEach(function (s) {
      var p = el("p", {"style": "margin:.2rem 0"});
      /* a page of the commune's own (its FAQ) has no address: its title, not a dead link */
      p.appendChild(s.url ? el("a", {"href": s.url, "rel": "noopener", "target": "_blank"}, "Source : " + s.title)
                          : document.createTextNode("Source : " + s.title + " (mairie)"));
      block.appendChild(p);
    });
    log.appendChild(block);
    block.scrollIntoView({block: "nearest"});
  }
  var offers = 0;
  function offerCallback(after) {
    /* one small form under the answer; the conversation token says which service */
    var n = ++offers, id = "communia-rappel-" + n, errId = id + "-erreur";
    var box = el("form", {"data-role": "rappel", "aria-label": "Être rappelé par le service",
      "style": "margin:.3rem 0 .6rem;padding:.4rem;border:1px solid #999;border-radius:.3rem"});
    box.appendChild(el("label", {"for": id, "style": "display:block"}, "Être rappelé par le service : votre téléphone ou adresse électronique"));
    var contact = el("input", {"id": id, "name": "contact", "maxlength": "200", "autocomplete": "tel",
      "style": "width:100%;box-sizing:border-box;font:inherit"});
    var err = el("p", {"id": errId, "style": "margin:.2rem 0;color:#ce0500"});
    var ask = el("button", {"type": "submit", "style": "margin-top:.3rem;font:inherit;cursor:pointer"}, "Être rappelé");
    box.appendChild(contact); box.appendChild(err); box.appendChild(ask);
    box.appendChild(el("p", {"style": "margin:.2rem 0;font-size:.85rem;color:#555"},
      "Le service vous rappelle au prochain créneau libre de ses heures d'ouverture. La mairie garde ce contact pour vous rappeler, sans le transmettre."));
    after.appendChild(box);
    box.addEventListener("submit", function (e) {
      e.preventDefault();
      if (ask.disabled) { return; }
      ask.disabled = true; err.textContent = "";
      var body = new URLSearchParams({commune: COMMUNE, conversation: conversation, contact: contact.value});
      fetch(BASE + "/api/v1/assistant/callback", {method: "POST", body: body, credentials: "omit"})
        .then(function (r) { return r.json().then(function (data) { return {ok: r.ok, data: data}; }); })
        .then(function (res) {
          if (res.ok) {
            var done = el("p", {"data-role": "rappel-reserve", "style": "margin:.3rem 0 .6rem;font-weight:bold"}, res.data.message);
            box.parentNode.replaceChild(done, box);
            input.focus();
          } else {
            err.setAttribute("role", "alert");
            err.textContent = res.data.message || "Contact refusé.";
            contact.setAttribute("aria-invalid", "true");
            contact.setAttribute("aria-describedby", errId);
            ask.disabled = false; contact.focus();
          }
        })
        .catch(function () {
          err.setAttribute("role", "alert");
          err.textContent = "Le service est momentanément indisponible. Appelez la mairie.";
          ask.disabled = false;
        });
    });
  }
  function toggle(open) {
    /* the inline display wins over the hidden attribute: set both */
    panel.style.display = open ? "flex" : "none";
    if (open) { panel.removeAttribute("hidden"); input.focus(); } else { panel.setAttribute("hidden", ""); button.focus(); }
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { toggle(panel.hasAttribute("hidden")); });
  close.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { toggle(false); } });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); } else { send.click(); }
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q || send.disabled) { return; }
    add("Vous", "citoyen", q); input.value = ""; send.disabled = true;
    log.setAttribute("aria-busy", "true"); status.textContent = "L'assistant rédige sa réponse…";
    var body = new URLSearchParams({commune: COMMUNE, question: q, conversation: conversation});
    fetch(BASE + "/api/v1/assistant/ask", {method: "POST", body: body, credentials: "omit"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.conversation) { conversation = data.conversation; }
        add("Assistant", "assistant", data.answer || data.message || "Erreur.", data.sources, data.emergency ? data.emergency.number : "");
        if (data.offer_callback && data.conversation) { offerCallback(log); }
      })
      .catch(function () { add("Assistant", "assistant", "Le service est momentanément indisponible. Appelez la mairie. En cas d'urgence, appelez le 112."); })
      .then(function () { send.disabled = false; status.textContent = ""; log.removeAttribute("aria-busy"); input.focus(); });
  });
  document.body.appendChild(button);
  document.body.appendChild(panel);
})();
