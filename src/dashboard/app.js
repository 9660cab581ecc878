// The dashboard shell: a router on `location.hash`, the header (navigation, session), and one page at a time.
// Vanilla ES modules served by the gateway itself (no framework, no build step, no CDN).

import { renderActivity } from './pages/activity.js';
import { renderGeneration } from './pages/generation.js';
import { renderKeys } from './pages/keys.js';
import { renderModels } from './pages/models.js';
import { renderRankings } from './pages/rankings.js';
import { renderSignIn } from './pages/sign-in.js';
import { el, errorState } from './dom.js';
import { buildHash, pages, parseRoute } from './routes.js';
import { currentSession, forgetSession, restoreSession, signOut } from './session.js';

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const sessionArea = document.getElementById('session');

const renderers = {
  rankings: renderRankings,
  activity: (page, context) =>
    context.route.rest === '' ? renderActivity(page, context) : renderGeneration(page, context),
  models: renderModels,
  keys: renderKeys,
};

function navigate(page, rest = '', params = {}) {
  location.hash = buildHash(page, rest, params);
}

/** Renders the page the hash names into a fresh element, so late answers for a page left behind go nowhere. */
function render() {
  const route = parseRoute(location.hash);
  const page = el('div', { className: 'page', 'data-page': route.page });
  view.replaceChildren(page);
  renderHeader(route);
  const entry = pages.find((item) => item.name === route.page);
  document.title = `${entry?.title ?? 'Sign in'} · Meridian`;
  const context = {
    route,
    session: currentSession(),
    navigate,
    refresh: render,
    signedIn: () => (route.page === 'sign-in' ? navigate('activity') : render()),
    signedOut: (reason) => {
      if (!page.isConnected) return;
      forgetSession();
      renderHeader(route);
      page.replaceChildren();
      renderSignIn(page, context, { reason });
    },
  };
  if (route.page === 'sign-in' || (entry !== undefined && !entry.isPublic && context.session === null)) {
    const reason = entry === undefined ? undefined : `Sign in to see ${entry.title}.`;
    return renderSignIn(page, context, { reason });
  }
  try {
    renderers[route.page](page, context);
  } catch (error) {
    page.replaceChildren(errorState(error));
  }
}

function renderHeader(route) {
  nav.replaceChildren(
    ...pages.map((entry) =>
      el('a', {
        href: buildHash(entry.name),
        text: entry.title,
        'data-page': entry.name,
        'aria-current': entry.name === route.page ? 'page' : undefined,
      }),
    ),
  );
  const session = currentSession();
  if (session === null) {
    sessionArea.replaceChildren(
      el('a', { className: 'button secondary', href: buildHash('sign-in'), text: 'Sign in' }),
    );
    return;
  }
  const signOutButton = el('button', { type: 'button', className: 'secondary', text: 'Sign out' });
  signOutButton.addEventListener('click', () => {
    signOutButton.disabled = true;
    // Signed out here whatever the gateway answered (forgetSession runs in any case).
    signOut()
      .catch(() => undefined)
      .then(() => (location.hash === buildHash('sign-in') ? render() : navigate('sign-in')));
  });
  sessionArea.replaceChildren(
    el('span', { className: 'who', 'data-field': 'who', text: `${session.role} · ${session.org_id}` }),
    signOutButton,
  );
}

async function start() {
  window.addEventListener('hashchange', render);
  // If the session check itself fails (the gateway is down), render signed out: each page shows its own error.
  await restoreSession().catch(() => null);
  render();
}

void start();
