// The dashboard session (docs/dashboard.md): sign in with an API key once, then an HttpOnly cookie; the CSRF
// token lives in memory. A flag in localStorage remembers that this browser signed in, so a visitor who never
// did is not sent to the session route first (its 401 would show as a console error on every public page).

import { callApi, setCsrfToken } from './api.js';

const hintName = 'meridian.dashboard.signed-in';
let current = null;

/** `{key_id, org_id, role, csrf_token, expires_at}` while signed in, else null. */
export function currentSession() {
  return current;
}

export const isAdmin = () => current !== null && current.role === 'admin';

/** Asks the gateway for the session this browser may have; null when signed out. */
export async function restoreSession() {
  if (!readHint()) return null;
  try {
    adopt((await callApi('GET', '/api/v1/dashboard/session')).data);
  } catch (error) {
    if (error.status !== 401) throw error;
    forgetSession();
  }
  return current;
}

export async function signIn(key) {
  adopt((await callApi('POST', '/api/v1/dashboard/login', { key })).data);
  return current;
}

export async function signOut() {
  try {
    await callApi('POST', '/api/v1/dashboard/logout');
  } finally {
    forgetSession();
  }
}

/** Drops the session here (the gateway said 401: it ended, or the key was revoked). */
export function forgetSession() {
  current = null;
  setCsrfToken(null);
  writeHint(false);
}

function adopt(session) {
  current = session;
  setCsrfToken(session.csrf_token);
  writeHint(true);
}

function readHint() {
  try {
    return window.localStorage.getItem(hintName) === '1';
  } catch {
    return true;
  }
}

function writeHint(isSignedIn) {
  try {
    if (isSignedIn) window.localStorage.setItem(hintName, '1');
    else window.localStorage.removeItem(hintName);
  } catch {
    // Storage disabled: the session route is then always asked.
  }
}
