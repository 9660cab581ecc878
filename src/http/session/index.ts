export { assertCsrfToken, csrfHeaderName, isSafeMethod } from './assert-csrf-token.js';
export { convertThrottleAddress } from './convert-throttle-address.js';
export { findSessionKey } from './find-session-key.js';
export type { SessionContext } from './find-session-key.js';
export { createLoginThrottle, loginWindowMs } from './login-throttle.js';
export type { LoginAdmission, LoginThrottle, LoginThrottleOptions } from './login-throttle.js';
export {
  readRequestSessionCookie,
  readSessionCookie,
  renderClearedSessionCookie,
  renderSessionCookie,
  secureSessionCookieName,
  sessionCookieName,
} from './session-cookie.js';
export type { SessionCookieContext } from './session-cookie.js';
export { loginRoute, logoutRoute, sessionRoute } from './session-routes.js';
export type { DashboardSessionContext, SignOutContext } from './session-routes.js';
export { createSessionStore } from './session-store.js';
export type { SessionStore, SessionStoreOptions, SessionView } from './session-store.js';
