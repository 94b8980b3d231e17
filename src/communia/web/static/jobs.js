// Progress of background jobs: polls /api/v1/jobs/<id> (same origin, session cookie).
(function () {
  "use strict";
  document.querySelectorAll(".job-progress[data-done='non']").forEach(function (box) {
    var id = box.getAttribute("data-job-id");
    var bar = box.querySelector("progress");
    function field(name) { return box.querySelector("[data-field='" + name + "']"); }
    function poll() {
      fetch("/api/v1/jobs/" + id, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (job) {
          bar.value = job.percent;
          bar.textContent = job.percent + " %";
          field("percent").textContent = job.percent + " %";
          field("state_label").textContent = job.state_label;
          field("message").textContent = job.message ? " — " + job.message : "";
          if (job.done) { window.location.reload(); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 1000);
  });
  var refresh = document.querySelector("[data-refresh]");
  if (refresh) { setTimeout(function () { window.location.reload(); }, 1000 * +refresh.getAttribute("data-refresh")); }
})();
