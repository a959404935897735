// Small behaviours that every page shares. No inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  // A select marked data-autosubmit sends its form when changed (rows per page).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // Buttons with data-confirm ask before their form is sent.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  // A form is sent once: a second click while the first is on its way does nothing.
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
      window.setTimeout(function () { delete form.dataset.sending; }, 5000);
    });
  });
});
