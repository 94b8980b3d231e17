// Progress of background jobs: polls /api/v1/jobs/<id> (same origin, session cookie) for each
// element [data-job-id][data-done='non'] (a job's page, a row of the list) and updates its
// fields in place. A job's page reloads once its job is done, to show the result; the list
// never reloads itself (a reload every few seconds sent keyboard and screen-reader users back
// to the top of the page).
(function () {
  "use strict";
  document.querySelectorAll("[data-job-id][data-done='non']").forEach(function (box) {
    var id = box.getAttribute("data-job-id");
    var bar = box.querySelector("progress");
    function set(name, text) {
      var field = box.querySelector("[data-field='" + name + "']");
      if (field) { field.textContent = text; }
    }
    function poll() {
      fetch("/api/v1/jobs/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (job) {
          bar.value = job.percent;
          bar.textContent = job.percent + " %";
          set("percent", job.percent + " %");
          set("state_label", job.state_label);
          set("message", job.message ? " — " + job.message : "");
          set("detail", job.error || job.message);
          if (!job.done) { setTimeout(poll, 1000); return; }
          box.setAttribute("data-done", "oui");
          if (box.hasAttribute("data-reload-when-done")) { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  });
})();
