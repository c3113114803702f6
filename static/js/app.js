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
  // Text areas with a limit: a live count under them, and a question before a paste that
  // does not fit is cut short (browsers cut it silently).
  document.querySelectorAll("textarea[maxlength][data-counter]").forEach((area) => {
    const max = Number(area.getAttribute("maxlength"));
    const counter = document.createElement("p");
    counter.className = "hint char-counter";
    counter.id = `${area.id}-counter`;
    const show = () => {
      counter.textContent = area.dataset.counter
        .replace("{count}", area.value.length).replace("{max}", max);
      counter.classList.toggle("char-counter-full", area.value.length >= max);
    };
    area.after(counter);
    area.setAttribute("aria-describedby",
      `${area.getAttribute("aria-describedby") || ""} ${counter.id}`.trim());
    area.addEventListener("input", show);
    show();
    area.addEventListener("paste", (event) => {
      const pasted = (event.clipboardData || window.clipboardData).getData("text");
      const kept = area.value.length - (area.selectionEnd - area.selectionStart);
      const over = kept + pasted.length - max;
      if (over <= 0) return;
      event.preventDefault();
      const ask = area.dataset.pasteTooLong.replace("{over}", over).replace("{max}", max);
      if (!window.confirm(ask)) return;
      area.setRangeText(pasted.slice(0, Math.max(0, max - kept)), area.selectionStart,
        area.selectionEnd, "end");
      show();
    });
  });
  // Selects marked data-autosubmit apply their filter at once.
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.requestSubmit());
  });
});
