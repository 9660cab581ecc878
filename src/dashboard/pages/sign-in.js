// Sign-in with an API key (any live key: an admin key manages everything, a member key sees its own org).
// The key is sent once; afterwards the session cookie (HttpOnly) stands in for it.

import { card, describeError, el } from '../dom.js';
import { signIn } from '../session.js';

export function renderSignIn(page, context, { reason } = {}) {
  const input = el('input', {
    id: 'sign-in-key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'sk-mer-v1-…',
  });
  const status = el('p', { className: 'form-status', role: 'status' });
  const button = el('button', { type: 'submit', text: 'Sign in' });
  const form = el('form', { className: 'form sign-in-form' }, [
    el('label', { className: 'field', for: 'sign-in-key' }, [el('span', { text: 'API key' }), input]),
    button,
    status,
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key === '') {
      status.textContent = 'Paste an API key first.';
      return;
    }
    button.disabled = true;
    status.className = 'form-status';
    status.textContent = 'Signing in…';
    signIn(key).then(
      () => context.signedIn(),
      (error) => {
        button.disabled = false;
        status.className = 'form-status state-error';
        status.textContent = error.status === 401 ? 'This key was not accepted.' : describeError(error);
      },
    );
  });
  page.append(
    el('div', { className: 'page-head' }, [el('h1', { text: 'Sign in' })]),
    card(
      'Sign in with an API key',
      [
        reason ? el('p', { className: 'notice', text: reason }) : null,
        el('p', {
          className: 'muted',
          text: 'An admin key (printed when the gateway first started) manages keys and credits; a member key sees its own org. The key is not stored in this browser: a session cookie is.',
        }),
        form,
      ],
      'sign-in-card',
    ),
  );
  input.focus();
}
