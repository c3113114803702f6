// Share page: "Copy" buttons for the link and the text to post. Progressive enhancement only:
// without this file the buttons stay hidden and the read-only fields can be copied by hand.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard || !window.isSecureContext) {
    return; // the Clipboard API needs HTTPS (or localhost)
  }
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const field = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!field || !status) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      // Empty the live region first so the same message is announced again on a second copy.
      status.textContent = "";
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = button.dataset.copied;
      } catch {
        field.focus();
        field.select();
        status.textContent = button.dataset.copyFailed;
      }
    });
  });
});
