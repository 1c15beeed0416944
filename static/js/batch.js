/* A report batch's page: asks the batch's JSON every two seconds and moves the progress bar, the
   count and the status text, until the batch is done (the download link appears) or failed. The
   texts come translated in the JSON; without JavaScript the page shows the state when loaded. */
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box || !window.fetch) return;
  var bar = document.getElementById("batch-progress");
  var count = document.getElementById("batch-count");
  var status = document.getElementById("batch-status");
  var error = document.getElementById("batch-error");
  var download = document.getElementById("batch-download");
  var url = box.dataset.statusUrl;

  function show(state) {
    bar.max = Math.max(state.total, 1);
    bar.value = state.done;
    bar.textContent = count.textContent = state.done + " / " + state.total;
    if (status.textContent !== state.text) status.textContent = state.text;
    if (state.status === "failed") {
      error.textContent = state.error || "";
      error.hidden = false;
    }
    if (state.status === "done" && state.download_url) {
      download.querySelector("a").href = state.download_url;
      download.hidden = false;
    }
    return state.status === "done" || state.status === "failed";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state || !show(state)) window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  if (!download.hidden || !error.hidden) return;
  window.setTimeout(poll, 1000);
})();
