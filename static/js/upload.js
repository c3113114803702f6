// Uploads each chosen or dropped file on its own request, with a progress bar for the upload
// and then for the anonymization job. Without this script the form posts normally.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const zone = document.getElementById("drop-zone");
  const list = document.getElementById("upload-list");
  const text = form.dataset;

  const row = (name) => {
    const item = document.createElement("li");
    item.className = "upload-item";
    const title = document.createElement("span");
    title.className = "upload-name";
    title.textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `${text.labelUploading}: ${name}`);
    const status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = text.labelUploading;
    item.append(title, bar, status);
    list.append(item);
    return { item, bar, status };
  };

  const fail = (ui, message) => {
    ui.item.classList.add("upload-failed");
    ui.bar.remove();
    ui.status.setAttribute("role", "alert");
    ui.status.textContent = message;
  };

  const watchJob = (ui, jobUrl, itemUrl) => {
    const link = () => {
      ui.bar.value = 100;
      ui.status.textContent = `${text.labelDone} `;
      const anchor = document.createElement("a");
      anchor.href = itemUrl;
      anchor.textContent = text.labelCheck;
      ui.status.append(anchor);
    };
    if (!jobUrl) return link();
    const poll = () => {
      fetch(jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => response.json())
        .then((job) => {
          ui.bar.value = job.progress;
          if (job.status === "failed") return fail(ui, job.error || text.errorGeneric);
          if (job.done) return link();
          ui.status.textContent = job.step || text.labelUploading;
          window.setTimeout(poll, 800);
        })
        .catch(() => window.setTimeout(poll, 2000));
    };
    poll();
  };

  const send = (file) => {
    const ui = row(file.name);
    if (file.size > Number(text.maxBytes)) return fail(ui, text.errorTooLarge);
    const data = new FormData();
    data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
    data.append("words", form.querySelector("textarea[name=words]").value);
    data.append("files", file, file.name);
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) ui.bar.value = Math.round((event.loaded / event.total) * 50);
    });
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (error) { body = {}; }
      if (request.status === 201) return watchJob(ui, body.job, body.url);
      if (request.status === 413) return fail(ui, body.error || text.errorTooLarge);
      return fail(ui, body.error || text.errorGeneric);
    });
    request.addEventListener("error", () => fail(ui, text.errorNetwork));
    request.send(data);
  };

  const sendAll = (files) => Array.from(files).forEach(send);

  form.addEventListener("submit", (event) => {
    if (!input.files.length) return;
    event.preventDefault();
    sendAll(input.files);
    input.value = "";
  });
  input.addEventListener("change", () => {
    sendAll(input.files);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("drop-active");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, () => zone.classList.remove("drop-active")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    sendAll(event.dataTransfer.files);
  });
  // files picked while the page was still loading (a slow phone) go as if picked now
  if (input.files.length) {
    sendAll(input.files);
    input.value = "";
  }
});
