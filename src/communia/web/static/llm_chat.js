// Chat page of the LLM gateway: streams from Communia's own /v1/chat/completions (SSE),
// with the session cookie and the CSRF token in a header (same origin).
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  if (!form) { return; }
  var log = document.getElementById("conversation");
  var input = document.getElementById("message");
  var model = document.getElementById("modele");
  var state = document.getElementById("chat-etat");
  var send = document.getElementById("envoyer");
  var messages = [];

  function bubble(role, text) {
    var p = document.createElement("div");
    p.className = "chat-message chat-" + role;
    var who = document.createElement("strong");
    who.textContent = role === "user" ? "Vous : " : "Modèle : ";
    var body = document.createElement("span");
    body.className = "chat-text";
    body.textContent = text;
    p.appendChild(who);
    p.appendChild(body);
    log.appendChild(p);
    return body;
  }

  document.getElementById("effacer").addEventListener("click", function () {
    messages = [];
    log.textContent = "";
    state.textContent = "";
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { state.textContent = "Écrivez un message."; return; }
    messages.push({ role: "user", content: text });
    bubble("user", text);
    input.value = "";
    var out = bubble("assistant", "");
    send.disabled = true;
    log.setAttribute("aria-busy", "true"); // read once written, not at every word
    state.textContent = "Le modèle rédige sa réponse…";
    var answer = "";
    var failed = false;
    fetch("/v1/chat/completions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.getAttribute("data-csrf") },
      body: JSON.stringify({ model: model.value, messages: messages, stream: true })
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (err) {
          throw new Error((err.error && err.error.message) || ("Erreur " + response.status));
        });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var events = buffer.split("\n\n");
          buffer = events.pop();
          events.forEach(function (ev) {
            var line = ev.replace(/^data: /, "");
            if (!line || line === "[DONE]") { return; }
            var data = JSON.parse(line);
            if (data.error) { failed = true; state.textContent = data.error.message; return; }
            var delta = data.choices && data.choices[0].delta;
            if (delta && delta.content) { answer += delta.content; out.textContent = answer; }
          });
          return pump();
        });
      }
      return pump();
    }).then(function () {
      if (!failed) {
        messages.push({ role: "assistant", content: answer });
        state.textContent = "Réponse terminée.";
      }
    }).catch(function (err) {
      messages.pop();
      state.textContent = err.message;
    }).then(function () { send.disabled = false; log.setAttribute("aria-busy", "false"); input.focus(); });
  });
})();
