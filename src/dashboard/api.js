// The gateway's own API, same origin: the HttpOnly session cookie rides along by itself; requests that change
// state carry the session's CSRF token (kept in memory only). Errors come back as ApiError with the gateway's
// stable `code` and message (OpenAI's error shape).

let csrfToken = null;

/** Set at sign-in (and on restoring a session); cleared at sign-out. */
export function setCsrfToken(token) {
  csrfToken = token ?? null;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** `method` on `path` with an optional JSON `body` → the parsed JSON answer (null for 204). */
export async function callApi(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The gateway did not answer. Is it running?');
  }
  if (response.status === 204) return null;
  const payload = await readPayload(response);
  if (!response.ok) {
    const error = payload !== null && typeof payload.error === 'object' ? payload.error : {};
    const code = typeof error.code === 'string' ? error.code : `http_${response.status}`;
    const message = typeof error.message === 'string' ? error.message : `The gateway answered ${response.status}.`;
    throw new ApiError(response.status, code, message);
  }
  return payload;
}

export const getJson = (path) => callApi('GET', path);

/** A query string from an object, skipping empty values: `{period: 'week', org_id: undefined}` → `?period=week`. */
export function query(params) {
  const search = new window.URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

async function readPayload(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}
