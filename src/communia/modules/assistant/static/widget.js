/* Communia reception assistant widget: no external calls, keyboard and screen-reader friendly.
   Add to the commune's site: <script src="__BASE__/c/__COMMUNE__/assistant/widget.js" defer></script> */
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
    "style": "position:fixed;bottom:1rem;right:1rem;z-index:9999;padding:.7rem 1rem;border-radius:2rem;border:0;background:#000091;color:#fff;font-size:1rem;cursor:pointer"},
    "Une question ? Assistant de la mairie");
  var panel = el("div", {"id": "communia-chat", "role": "dialog", "aria-label": "Assistant de la mairie", "hidden": "",
    "style": "position:fixed;bottom:4.5rem;right:1rem;z-index:9999;width:min(24rem,92vw);max-height:70vh;overflow:auto;background:#fff;color:#161616;border:1px solid #666;border-radius:.5rem;padding:1rem;font:1rem/1.4 sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25)"});
  panel.appendChild(el("p", {"style": "margin:0 0 .5rem"}, "Vous échangez avec une intelligence artificielle. En cas d'urgence, appelez le 112."));
  var log = el("div", {"aria-live": "polite"});
  panel.appendChild(log);
  var form = el("form", {});
  var label = el("label", {"for": "communia-q", "style": "display:block;margin-top:.5rem"}, "Votre question");
  var input = el("textarea", {"id": "communia-q", "rows": "2", "maxlength": "20000", "style": "width:100%;box-sizing:border-box"});
  var send = el("button", {"type": "submit", "style": "margin-top:.5rem"}, "Envoyer");
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  panel.appendChild(form);
  function add(who, text, sources) {
    var block = el("div", {"style": "margin:.5rem 0"});
    block.appendChild(el("strong", {}, who + " : "));
    text.split("\n").forEach(function (line) { block.appendChild(el("p", {"style": "margin:.2rem 0"}, line)); });
    (sources || []).forEach(function (s) {
      var p = el("p", {"style": "margin:.2rem 0"});
      var a = el("a", {"href": s.url || "#", "rel": "noopener", "target": "_blank"}, "Source : " + s.title);
      p.appendChild(a); block.appendChild(p);
    });
    log.appendChild(block);
  }
  function toggle(open) {
    if (open) { panel.removeAttribute("hidden"); input.focus(); } else { panel.setAttribute("hidden", ""); button.focus(); }
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  button.addEventListener("click", function () { toggle(panel.hasAttribute("hidden")); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { toggle(false); } });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var q = input.value.trim();
    if (!q) { return; }
    add("Vous", q); input.value = ""; send.disabled = true;
    var body = new URLSearchParams({commune: COMMUNE, question: q, conversation: conversation});
    fetch(BASE + "/api/v1/assistant/ask", {method: "POST", body: body})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.conversation) { conversation = data.conversation; }
        add("Assistant", data.answer || data.message || "Erreur.", data.sources);
      })
      .catch(function () { add("Assistant", "Le service est momentanément indisponible. Appelez la mairie."); })
      .then(function () { send.disabled = false; input.focus(); });
  });
  document.body.appendChild(button);
  document.body.appendChild(panel);
})();
