/* Small progressive enhancements; every page works without them (CSP: script-src 'self', no inline script). */
(function () {
  "use strict";

  function focusOn(element) {
    if (!element) { return false; }
    if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return document.activeElement === element;
  }

  /* Where the work continues: the error summary after a failed submit, the control a page names with
     data-pp-focus, or the target of the address's anchor (a dossier tab's content: #contenu-onglet). */
  function landFocus() {
    var marked = document.querySelector("[data-pp-focus]");
    if (marked && focusOn(marked)) { return; }
    if (window.location.hash.length > 1) {
      var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target && target.hasAttribute("data-pp-anchor-focus")) { focusOn(target); }
    }
  }

  /* A <select data-pp-autosubmit> submits its form on change (« Service » of « habilitations du groupe »);
     the form's own button stays for use without JavaScript. */
  function autosubmit() {
    document.querySelectorAll("select[data-pp-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form) { select.form.submit(); }
      });
    });
  }

  /* A table wider than the screen scrolls sideways: make its scrolling area reachable by keyboard and named. */
  function scrollableTables() {
    document.querySelectorAll(".fr-table__container").forEach(function (container) {
      if (container.scrollWidth <= container.clientWidth + 1 || container.hasAttribute("tabindex")) { return; }
      var caption = container.querySelector("caption");
      container.setAttribute("tabindex", "0");
      container.setAttribute("role", "region");
      container.setAttribute("aria-label", (caption ? caption.textContent.trim() : "Tableau") + " (défile horizontalement)");
    });
  }

  function start() {
    landFocus();
    autosubmit();
    scrollableTables();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
