// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Ask before irreversible actions: <form data-confirm="...">, once per action: a second
  // click while the confirmed form is on its way neither asks again nor posts twice.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sending === "yes" || !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "yes";
    });
  });
  // A page shown again from the back button can be used again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-sending]").forEach((form) => {
      delete form.dataset.sending;
    });
  });
  // Selects marked data-autosubmit apply their filter at once.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
