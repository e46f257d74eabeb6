/* Session timer: warns a signed-in person before his session ends for inactivity and lets him keep it.
 *
 * Reads from <body>: data-session-idle (seconds of inactivity the server allows), data-session-warning
 * (seconds before the end when the warning shows), data-session-speed (1; browser tests speed it up).
 * The warning is the DSFR modal #fin-de-session; its form « Rester connecté » posts to the keep-alive URL
 * (without JavaScript the same form works: the server answers 204 and the page stays). When the time is
 * up, the page is loaded again: the server, which holds the real clock, sends to the login page. */
(function () {
  "use strict";
  var body = document.body;
  var idle = Number(body.getAttribute("data-session-idle"));
  var modal = document.getElementById("fin-de-session");
  if (!idle || !modal) {
    return;
  }
  var warning = Number(body.getAttribute("data-session-warning")) || 60;
  var speed = Number(body.getAttribute("data-session-speed")) || 1;
  var form = document.getElementById("fin-de-session-form");
  var countdown = modal.querySelector("[data-session-countdown]");
  var timers = [];
  var endsAt = 0;

  function later(seconds, action) {
    timers.push(window.setTimeout(action, Math.max(seconds, 0) * 1000 / speed));
  }

  function clearTimers() {
    timers.forEach(window.clearTimeout);
    timers = [];
  }

  function remaining() {
    return Math.max(0, Math.ceil((endsAt - Date.now()) * speed / 1000));
  }

  function plural(count, word) {
    return count + " " + word + (count > 1 ? "s" : "");
  }

  function showRemaining() {
    var seconds = remaining();
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    if (!minutes) {
      countdown.textContent = plural(rest, "seconde");
    } else {
      countdown.textContent = plural(minutes, "minute") + (rest ? " " + plural(rest, "seconde") : "");
    }
  }

  function openModal() {
    showRemaining();
    if (window.dsfr && window.dsfr(modal).modal) {
      window.dsfr(modal).modal.disclose();
    } else {
      modal.classList.add("fr-modal--opened");
      if (modal.showModal && !modal.open) {
        modal.showModal();
      }
    }
    var tick = window.setInterval(showRemaining, 1000 / speed);
    timers.push(tick);
  }

  function closeModal() {
    if (window.dsfr && window.dsfr(modal).modal) {
      window.dsfr(modal).modal.conceal();
    } else {
      modal.classList.remove("fr-modal--opened");
      if (modal.close && modal.open) {
        modal.close();
      }
    }
  }

  function expire() {
    clearTimers();
    window.location.assign(window.location.href);
  }

  function start() {
    clearTimers();
    endsAt = Date.now() + idle * 1000 / speed;
    later(idle - warning, openModal);
    later(idle + 2, expire);  // a little after the server's limit, so the server has ended it
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.fetch(form.action, {
      method: "POST",
      body: new window.FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.status === 204) {
        closeModal();
        start();
      } else {
        expire();
      }
    }, expire);
  });

  start();
})();
