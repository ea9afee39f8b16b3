// Digikoord's own script: what JavaScript adds to pages that work without it. No framework;
// served from /static under the Content Security Policy (script-src 'self').
//
// - The menu: one group open at a time; Escape or a click elsewhere closes it.
// - A form with a text area warns before the page is left with text changed since it was
//   loaded or last saved; one marked `data-autosave` is also saved in the background every
//   minute, as its own button would (POST of the same fields, CSRF token included, to its own
//   address, with `X-Autosave: 1`).
// - Two minutes before the session's idle limit (`data-idle-minutes` on <body>), a dialog
//   (role="alertdialog") offers *Fortsätt vara inloggad* (WCAG 2.2.1).
(function () {
  'use strict';

  var MINUTE = 60 * 1000;
  // Anything sent to the server counts as use; `activity` notes when.
  var lastRequest = Date.now();
  function activity() {
    lastRequest = Date.now();
  }

  function clock(date) {
    function two(n) {
      return (n < 10 ? '0' : '') + n;
    }
    return two(date.getHours()) + ':' + two(date.getMinutes());
  }

  // ---- The menu ----

  var groups = [].slice.call(document.querySelectorAll('.site-header details'));
  groups.forEach(function (group) {
    group.addEventListener('toggle', function () {
      if (!group.open) {
        return;
      }
      groups.forEach(function (other) {
        if (other !== group) {
          other.open = false;
        }
      });
    });
  });
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') {
      return;
    }
    groups.forEach(function (group) {
      if (group.open) {
        var inside = group.contains(document.activeElement);
        group.open = false;
        if (inside) {
          group.querySelector('summary').focus();
        }
      }
    });
  });
  document.addEventListener('click', function (event) {
    groups.forEach(function (group) {
      if (group.open && !group.contains(event.target)) {
        group.open = false;
      }
    });
  });

  // ---- Long forms: warn before leaving unsaved text; save drafts ----

  function fields(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  var longForms = [].slice.call(document.querySelectorAll('form')).filter(function (form) {
    return form.querySelector('textarea') !== null;
  });
  var saved = new Map();
  longForms.forEach(function (form) {
    saved.set(form, fields(form));
    // Sent by any of its buttons (the step links' too): what it holds is on its way.
    form.addEventListener('submit', function () {
      saved.set(form, fields(form));
    });
  });

  function changed(form) {
    return fields(form) !== saved.get(form);
  }

  window.addEventListener('beforeunload', function (event) {
    if (longForms.some(changed)) {
      event.preventDefault();
      // Older browsers ask only when this is set.
      event.returnValue = '';
    }
  });

  var sessionEnded = false;
  // Set below where the page has the idle warning: shows that the session has ended.
  var onSessionEnded = function () {};

  function autosave(form, note) {
    if (sessionEnded || !changed(form)) {
      return;
    }
    var sent = fields(form);
    var action = form.getAttribute('action') || window.location.href;
    fetch(action, {
      method: 'POST',
      body: new URLSearchParams(new FormData(form)),
      headers: { 'X-Autosave': '1' },
      credentials: 'same-origin',
    })
      .then(function (response) {
        activity();
        var to = new URL(response.url, window.location.href);
        if (to.pathname.indexOf('/logga-in') === 0) {
          // The session had ended: nothing was saved here.
          sessionEnded = true;
          onSessionEnded();
          return;
        }
        // A save answers by sending the browser on; a form with errors comes back as itself.
        if (response.ok && response.redirected) {
          saved.set(form, sent);
          note.textContent = 'Utkastet sparades automatiskt kl. ' + clock(new Date()) + '.';
        }
      })
      .catch(function () {
        // Offline for a moment: the next minute tries again.
      });
  }

  longForms
    .filter(function (form) {
      return (
        form.hasAttribute('data-autosave') &&
        (form.getAttribute('method') || '').toLowerCase() === 'post' &&
        form.enctype !== 'multipart/form-data'
      );
    })
    .forEach(function (form) {
      var note = document.createElement('p');
      note.className = 'autosave-status';
      note.setAttribute('role', 'status');
      form.appendChild(note);
      window.setInterval(function () {
        autosave(form, note);
      }, MINUTE);
    });

  // ---- The warning before the idle limit ----

  var idleMinutes = Number(document.body.getAttribute('data-idle-minutes'));
  var dialog = document.getElementById('idle-warning');
  if (!(idleMinutes > 0) || !dialog || typeof dialog.showModal !== 'function') {
    return;
  }
  // The server notes a session's use at most once a minute, so it may have counted from a
  // minute before this page: warn three minutes before the limit as seen from here, which is
  // at least two before the server's.
  var warnAfter = (idleMinutes - 3) * MINUTE;
  var endAfter = idleMinutes * MINUTE;
  var title = document.getElementById('idle-warning-title');
  var text = document.getElementById('idle-warning-text');
  var stay = document.getElementById('idle-warning-continue');
  var signIn = document.getElementById('idle-warning-sign-in');
  var focusBefore = null;

  function showEnded() {
    sessionEnded = true;
    title.textContent = dialog.getAttribute('data-ended-title');
    text.textContent = dialog.getAttribute('data-ended-text');
    stay.hidden = true;
    signIn.hidden = false;
    if (!dialog.open) {
      dialog.showModal();
    }
    signIn.focus();
  }

  function stayLoggedIn() {
    if (sessionEnded) {
      return;
    }
    fetch('/sessioner', { credentials: 'same-origin' })
      .then(function (response) {
        var to = new URL(response.url, window.location.href);
        if (to.pathname.indexOf('/logga-in') === 0) {
          showEnded();
          return;
        }
        activity();
        if (dialog.open) {
          dialog.close();
        }
        if (focusBefore && document.contains(focusBefore)) {
          focusBefore.focus();
        }
      })
      .catch(function () {
        // No answer: the dialog stays, and its button can be pressed again.
      });
  }

  onSessionEnded = showEnded;
  stay.addEventListener('click', stayLoggedIn);
  signIn.addEventListener('click', function () {
    window.location.assign('/logga-in');
  });
  // Escape is an answer too: the person is there.
  dialog.addEventListener('cancel', function (event) {
    if (!sessionEnded) {
      event.preventDefault();
      stayLoggedIn();
    }
  });

  function check() {
    if (sessionEnded) {
      return;
    }
    var idle = Date.now() - lastRequest;
    if (idle >= endAfter) {
      showEnded();
    } else if (idle >= warnAfter && !dialog.open) {
      focusBefore = document.activeElement;
      dialog.showModal();
      stay.focus();
    }
  }

  window.setInterval(check, 15 * 1000);
  // A tab in the background is woken seldom: look again when it is shown.
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) {
      check();
    }
  });
})();
