// Uploads each chosen or dropped file on its own request as soon as it is picked, with a
// progress bar for the upload and then for the anonymization job. Words to hide typed after
// that are applied to the files already uploaded when the button is pressed (the button then
// says so). Without this script the form posts files and words together.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const zone = document.getElementById("drop-zone");
  const list = document.getElementById("upload-list");
  const text = form.dataset;
  const button = form.querySelector('button[type="submit"]');
  const words = form.querySelector("textarea[name=words]");
  const uploaded = []; // {ui, itemUrl, ready: Promise} of each file this page uploaded

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

  const link = (ui, itemUrl, label) => {
    ui.status.textContent = `${label} `;
    const anchor = document.createElement("a");
    anchor.href = itemUrl;
    anchor.textContent = text.labelCheck;
    ui.status.append(anchor);
  };

  // resolves once the file's anonymization is done (true) or failed (false)
  const watchJob = (ui, jobUrl, itemUrl) => new Promise((resolve) => {
    const done = () => {
      ui.bar.value = 100;
      link(ui, itemUrl, text.labelDone);
      resolve(true);
    };
    if (!jobUrl) return done();
    const poll = () => {
      fetch(jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => response.json())
        .then((job) => {
          ui.bar.value = job.progress;
          if (job.status === "failed") {
            fail(ui, job.error || text.errorGeneric);
            return resolve(false);
          }
          if (job.done) return done();
          ui.status.textContent = job.step || text.labelUploading;
          window.setTimeout(poll, 800);
        })
        .catch(() => window.setTimeout(poll, 2000));
    };
    poll();
  });

  const applyWords = () => {
    const chosen = words.value;
    uploaded.forEach((file) => {
      file.ready.then((ok) => {
        if (!ok) return;
        const data = new FormData();
        data.append("csrf_token", form.querySelector('input[name="csrf_token"]').value);
        data.append("words", chosen);
        file.ui.status.textContent = text.labelUploading;
        fetch(`${file.itemUrl}/words`, { method: "POST", body: data, credentials: "same-origin" })
          .then((response) => {
            if (!response.ok) throw new Error(String(response.status));
            link(file.ui, file.itemUrl, text.labelWordsApplied);
          })
          .catch(() => fail(file.ui, text.errorGeneric));
      });
    });
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
      if (request.status === 201) {
        uploaded.push({ ui, itemUrl: body.url, ready: watchJob(ui, body.job, body.url) });
        button.textContent = text.labelApplyWords;
        return undefined;
      }
      if (request.status === 413) return fail(ui, body.error || text.errorTooLarge);
      return fail(ui, body.error || text.errorGeneric);
    });
    request.addEventListener("error", () => fail(ui, text.errorNetwork));
    request.send(data);
  };

  const sendAll = (files) => Array.from(files).forEach(send);

  form.addEventListener("submit", (event) => {
    if (input.files.length) {
      event.preventDefault();
      sendAll(input.files);
      input.value = "";
      return;
    }
    if (!uploaded.length) return; // nothing picked: the server says to choose a file
    event.preventDefault();
    if (words.value.trim()) applyWords();
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
