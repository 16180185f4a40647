// Follow a background rematch (webapp/firm_jobs.py) until it has finished, then say so.
(function () {
  var box = document.getElementById("matching");
  if (!box) { return; }
  var text = box.querySelector(".matching-text");
  var bar = box.querySelector("progress");
  function poll() {
    fetch(box.getAttribute("data-url"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {state: "failed"}; })
      .then(function (job) {
        if (job.state === "running" || job.state === "queued") {
          if (job.total) { bar.max = job.total; bar.value = job.done; }
          window.setTimeout(poll, 1000);
          return;
        }
        bar.remove();
        text.textContent = text.getAttribute(job.state === "finished" ? "data-done" : "data-failed");
        box.className = "flash " + (job.state === "finished" ? "flash-success" : "flash-error");
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
