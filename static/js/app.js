// Progressive enhancement only: every page works without this file.
"use strict";

// Times are shown in the browser's zone: tell the server which one it is, and when this page
// guessed another (a first visit, a trip abroad), show it again once, in the right one.
(() => {
  const zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || !/^[A-Za-z0-9_+/-]+$/.test(zone)) return; // IANA names need no escaping
  const cookie = `tz=${zone}`;
  if (!document.cookie.split("; ").includes(cookie)) {
    document.cookie = `${cookie}; path=/; max-age=31536000; samesite=lax`;
  }
  const mine = String(-new Date().getTimezoneOffset());
  const again = `tz-shown-again:${zone}`;
  if (!document.cookie.split("; ").includes(cookie)) return;
  document.addEventListener("DOMContentLoaded", () => {
    const shown = document.body.dataset.utcOffset;
    if (shown === undefined || shown === mine || !document.querySelector("time")) return;
    try {
      if (window.sessionStorage.getItem(again)) return;
      window.sessionStorage.setItem(again, "yes");
    } catch {
      return; // no storage: no way to know it was shown again already
    }
    window.location.reload();
  });
})();

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
