// The portal's one entry point: picks the page for this path (the server
// answers the same shell for every page route; docs/portal.md).  Links
// between the portal's own pages are followed in this document
// (history.pushState), so the session, kept in memory only (api.js),
// lasts while the tab is open; a page not in this table is loaded as
// usual.
const pages = {
  '/': './pages/landing.js',
  '/apply': './pages/apply.js',
  '/verify-email': './pages/verify.js',
  '/status': './pages/status.js',
  '/certificate': './pages/certificate.js',
  '/reset-password': './pages/reset.js',
  '/passkeys': './pages/passkeys.js',
  '/approve': './pages/approve.js',
};

const main = document.getElementById('main');
let handover = null; // what one page gives the next one (nav.go)

function markNav() {
  for (const a of document.querySelectorAll('header nav a'))
    if (a.getAttribute('href') === location.pathname)
      a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
}

function load() {
  const page = pages[location.pathname];
  const data = handover;
  handover = null;
  markNav();
  if (!page) return;
  document.documentElement.dataset.ready = 'false';
  import(page)
    .then((m) => m.show(main, new URLSearchParams(location.search), data))
    .then(() => {
      // For the browser test: when the page was whole (ms since the
      // navigation began).
      document.documentElement.dataset.readyMs =
        String(Math.round(performance.now()));
      document.documentElement.dataset.ready = 'true';
    })
    .catch((e) => {
      main.textContent = 'This page could not be shown: ' + e.message;
      document.documentElement.dataset.ready = 'error';
    });
}

// Goes to url (a portal page) in this document, handing data to it.
export function go(url, data = null) {
  const u = new URL(url, location.href);
  if (u.origin !== location.origin || !pages[u.pathname]) {
    location.assign(u.href);
    return;
  }
  handover = data;
  history.pushState(null, '', u.pathname + u.search);
  load();
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a[href]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.ctrlKey ||
      ev.metaKey || ev.shiftKey || ev.altKey || a.target ||
      a.hasAttribute('download') || a.origin !== location.origin ||
      !pages[a.pathname]) return;
  ev.preventDefault();
  go(a.href);
});
window.addEventListener('popstate', load);
load();
