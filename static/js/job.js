// Follows an anonymization job and reloads the page when it has finished.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("job-progress");
  if (!bar || !bar.dataset.jobUrl) return;
  const step = document.getElementById("job-step");
  const poll = () => {
    fetch(bar.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json())
      .then((job) => {
        bar.value = job.progress;
        bar.textContent = `${job.progress}%`;
        if (job.step) step.textContent = job.step;
        if (job.done) return window.location.reload();
        window.setTimeout(poll, 800);
      })
      .catch(() => window.setTimeout(poll, 2000));
  };
  poll();
});
