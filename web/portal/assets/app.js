// The portal's one entry point: picks the page for this path (the server
// answers the same shell for every page route; docs/portal.md).
const pages = {
  '/': './pages/landing.js',
  '/apply': './pages/apply.js',
  '/verify-email': './pages/verify.js',
  '/status': './pages/status.js',
};

const main = document.getElementById('main');
const page = pages[location.pathname];
if (page) {
  import(page).then((m) => m.show(main, new URLSearchParams(location.search)))
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
for (const a of document.querySelectorAll('header nav a'))
  if (a.getAttribute('href') === location.pathname)
    a.setAttribute('aria-current', 'page');
