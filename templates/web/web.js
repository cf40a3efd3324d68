// Polls a job's state until it is done, then says how it went and links to the edition.
(function () {
  "use strict";
  var el = document.querySelector("[data-job]");
  if (!el || !/job-running/.test(el.className)) { return; }
  function poll() {
    fetch(el.getAttribute("data-job"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.state === "running") { setTimeout(poll, 1000); return; }
        el.className = "job job-" + job.state;
        el.textContent = job.message + " ";
        if (job.link) {
          var a = document.createElement("a");
          a.href = job.link;
          a.textContent = "Read it";
          el.appendChild(a);
          a.focus();
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
