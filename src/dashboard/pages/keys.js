// Keys and credits: the org's balance and the signed-in key for everyone; for admins also creating, limiting,
// disabling and revoking keys, orgs, and credit grants. A new key's secret is shown once, here.

import { callApi, getJson } from '../api.js';
import { card, cell, definitionList, describeError, el, emptyState, fillSection, table } from '../dom.js';
import { formatBalance, formatDateTime, formatUsd } from '../format.js';
import { isAdmin } from '../session.js';

const resets = ['none', 'daily', 'weekly', 'monthly'];

export function renderKeys(page, context) {
  const onSignedOut = () => context.signedOut('Your session has ended: sign in again.');
  const credits = el('div');
  const thisKey = el('div');
  page.append(
    el('div', { className: 'page-head' }, [
      el('h1', { text: 'Keys & credits' }),
      el('p', {
        className: 'lead',
        text: 'Balances are in USD; every call holds its worst case first and is charged what it used.',
      }),
    ]),
    el('div', { className: 'grid-2' }, [
      card('Credits', [credits], 'credits-card'),
      card('This key', [thisKey], 'this-key-card'),
    ]),
  );
  const reloadCredits = () =>
    fillSection(credits, {
      load: () => getJson('/api/v1/credits'),
      render: (body) => renderCredits(body.data),
      onSignedOut,
    });
  void reloadCredits();
  void fillSection(thisKey, {
    load: () => getJson('/api/v1/key'),
    render: (body) => renderThisKey(body.data),
    onSignedOut,
  });
  if (!isAdmin()) {
    page.append(
      card('Managing keys', [
        el('p', { text: 'Keys, limits and credit grants are managed by an admin of this gateway.' }),
      ]),
    );
    return;
  }
  const keysSection = el('div');
  const orgsSection = el('div');
  const reloadKeys = () =>
    fillSection(keysSection, {
      load: () => getJson('/api/v1/keys'),
      render: (body) => renderKeyTable(body.data, reloadKeys),
      onSignedOut,
    });
  const reloadOrgs = () =>
    fillSection(orgsSection, {
      load: () => getJson('/api/v1/orgs'),
      render: (body) => renderOrgTable(body.data),
      onSignedOut,
    });
  page.append(
    card('Create a key', [createKeyForm(() => void reloadKeys())], 'create-key-card'),
    card('Keys', [keysSection], 'keys-card'),
    card(
      'Orgs and credit grants',
      [
        orgsSection,
        grantForm(() => Promise.all([reloadOrgs(), reloadCredits()])),
        createOrgForm(() => void reloadOrgs()),
      ],
      'orgs-card',
    ),
  );
  void reloadKeys();
  void reloadOrgs();
}

function renderCredits(credits) {
  return [
    el('p', { className: 'balance' }, [
      el('span', { className: 'tile-label', text: 'Available' }),
      el('span', {
        className: 'tile-value',
        'data-field': 'available',
        text: formatBalance(credits.available_nanos, credits.available),
      }),
    ]),
    definitionList([
      ['Org', credits.org_id, 'org'],
      ['Granted', formatUsd(credits.total_credits), 'granted'],
      ['Used', formatUsd(credits.total_usage), 'used'],
      ['Held by calls in flight', formatUsd(credits.held), 'held'],
    ]),
  ];
}

function renderThisKey(key) {
  return definitionList([
    ['Name', key.name, 'name'],
    ['Key', key.label, 'label'],
    ['Role', key.role, 'role'],
    ['Limit', describeLimit(key), 'limit'],
    ['Used this window', formatUsd(key.usage), 'usage'],
    [
      'Remaining',
      key.limit_remaining === null ? 'no limit' : formatBalance(key.limit_remaining_nanos, key.limit_remaining),
      'remaining',
    ],
  ]);
}

function describeLimit(key) {
  if (key.limit === null) return 'none';
  return key.limit_reset === 'none' ? formatUsd(key.limit) : `${formatUsd(key.limit)} ${key.limit_reset}`;
}

/** A form whose submit runs `action(fields)`; the status line says what happened (errors as the gateway put them). */
function actionForm({ className, fields, submitLabel, action }) {
  const status = el('p', { className: 'form-status', role: 'status' });
  const button = el('button', { type: 'submit', text: submitLabel });
  const form = el('form', { className: `form ${className}`, novalidate: true }, [...fields, button, status]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    status.className = 'form-status';
    status.textContent = 'Working…';
    action(new window.FormData(form), status)
      .then(
        (message) => {
          status.textContent = message ?? '';
        },
        (error) => {
          status.className = 'form-status state-error';
          status.textContent = describeError(error);
        },
      )
      .finally(() => {
        button.disabled = false;
      });
  });
  return form;
}

function field(label, control) {
  return el('label', { className: 'field' }, [el('span', { text: label }), control]);
}

function resetSelect(name, chosen = 'none') {
  return el(
    'select',
    { name },
    resets.map((reset) => el('option', { value: reset, text: reset, selected: reset === chosen })),
  );
}

function createKeyForm(onCreated) {
  const secretBox = el('div', { className: 'secret-box', hidden: true });
  const form = actionForm({
    className: 'create-key',
    submitLabel: 'Create key',
    fields: [
      field('Name', el('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' })),
      field('Org', el('input', { name: 'org_id', value: 'default', autocomplete: 'off' })),
      field(
        'Limit (USD, empty = none)',
        el('input', { name: 'limit', inputmode: 'decimal', autocomplete: 'off', placeholder: '5.00' }),
      ),
      field('Limit resets', resetSelect('limit_reset')),
    ],
    action: async (data) => {
      const limit = String(data.get('limit') ?? '').trim();
      const body = {
        name: String(data.get('name') ?? '').trim(),
        org_id: String(data.get('org_id') ?? '').trim() || 'default',
        limit_reset: String(data.get('limit_reset')),
        ...(limit === '' ? {} : { limit }),
      };
      const created = await callApi('POST', '/api/v1/keys', body);
      secretBox.replaceChildren(
        el('p', { text: `Key “${created.data.name}” created. Copy it now: it is shown once and never again.` }),
        el('code', { className: 'secret', 'data-testid': 'new-key-secret', text: created.key }),
      );
      secretBox.hidden = false;
      form.reset();
      onCreated();
      return '';
    },
  });
  return el('div', {}, [form, secretBox]);
}

function renderKeyTable(keys, reload) {
  if (keys.length === 0) return emptyState('No keys yet.');
  return table(
    [
      { title: 'Name' },
      { title: 'Key' },
      { title: 'Org' },
      { title: 'Role' },
      { title: 'Limit' },
      { title: 'Status' },
      { title: 'Created' },
      { title: 'Actions' },
    ],
    keys.map((key) =>
      el('tr', { 'data-key-id': key.id, 'data-key-name': key.name }, [
        cell(key.name, { 'data-field': 'name' }),
        cell(key.label, { className: 'mono' }),
        cell(key.org_id),
        cell(key.role),
        cell(describeLimit(key), { 'data-field': 'limit' }),
        cell(el('span', { className: `badge key-${keyStatus(key)}`, 'data-field': 'status', text: keyStatus(key) })),
        cell(formatDateTime(key.created_at)),
        el('td', { className: 'actions' }, keyActions(key, reload)),
      ]),
    ),
    'keys',
  );
}

function keyStatus(key) {
  if (key.revoked) return 'revoked';
  return key.disabled ? 'disabled' : 'active';
}

/** Member keys that are not revoked can be limited, disabled or enabled, and revoked (a second click confirms). */
function keyActions(key, reload) {
  if (key.role !== 'member' || key.revoked) return [];
  const status = el('span', { className: 'form-status', role: 'status' });
  const run = (work) =>
    work().then(reload, (error) => {
      status.className = 'form-status state-error';
      status.textContent = describeError(error);
    });
  const path = `/api/v1/keys/${encodeURIComponent(key.id)}`;
  const limitForm = actionForm({
    className: 'limit-form',
    submitLabel: 'Save limit',
    fields: [
      field(
        'Limit (USD, empty = none)',
        el('input', { name: 'limit', inputmode: 'decimal', value: key.limit ?? '', autocomplete: 'off' }),
      ),
      field('Resets', resetSelect('limit_reset', key.limit_reset)),
    ],
    action: async (data) => {
      const limit = String(data.get('limit') ?? '').trim();
      await callApi('PATCH', path, {
        limit: limit === '' ? null : limit,
        limit_reset: String(data.get('limit_reset')),
      });
      void reload();
      return 'Saved.';
    },
  });
  limitForm.hidden = true;
  const revoke = el('button', { type: 'button', className: 'danger', text: 'Revoke' });
  revoke.addEventListener('click', () => {
    if (revoke.dataset.armed !== 'true') {
      revoke.dataset.armed = 'true';
      revoke.textContent = 'Confirm revoke';
      return;
    }
    void run(() => callApi('DELETE', path));
  });
  return [
    el('button', {
      type: 'button',
      className: 'secondary',
      text: 'Limit',
      onClick: () => (limitForm.hidden = !limitForm.hidden),
    }),
    el('button', {
      type: 'button',
      className: 'secondary',
      text: key.disabled ? 'Enable' : 'Disable',
      onClick: () => void run(() => callApi('PATCH', path, { disabled: !key.disabled })),
    }),
    revoke,
    status,
    limitForm,
  ];
}

function renderOrgTable(orgs) {
  if (orgs.length === 0) return emptyState('No orgs yet.');
  return table(
    [
      { title: 'Org' },
      { title: 'Name' },
      { title: 'Granted', isNumeric: true },
      { title: 'Used', isNumeric: true },
      { title: 'Held', isNumeric: true },
      { title: 'Available', isNumeric: true },
    ],
    orgs.map((org) =>
      el('tr', { 'data-org-id': org.id }, [
        cell(org.id, { className: 'mono' }),
        cell(org.name),
        cell(formatUsd(org.total_credits), { className: 'num', 'data-field': 'granted' }),
        cell(formatUsd(org.total_usage), { className: 'num', 'data-field': 'used' }),
        cell(formatUsd(org.held), { className: 'num' }),
        cell(formatBalance(org.available_nanos, org.available), { className: 'num', 'data-field': 'available' }),
      ]),
    ),
    'orgs',
  );
}

function grantForm(onGranted) {
  return actionForm({
    className: 'grant-form',
    submitLabel: 'Grant credits',
    fields: [
      el('h3', { text: 'Grant credits' }),
      field('Org', el('input', { name: 'org', value: 'default', autocomplete: 'off' })),
      field(
        'Amount (USD)',
        el('input', { name: 'amount', inputmode: 'decimal', placeholder: '25.00', autocomplete: 'off' }),
      ),
      field(
        'Grant id (optional: a payment id makes the grant idempotent)',
        el('input', { name: 'grant_id', autocomplete: 'off' }),
      ),
    ],
    action: async (data) => {
      const orgId = String(data.get('org') ?? '').trim();
      const grantId = String(data.get('grant_id') ?? '').trim();
      const amount = String(data.get('amount') ?? '').trim();
      const answer = await callApi('POST', `/api/v1/orgs/${encodeURIComponent(orgId)}/credits`, {
        amount,
        ...(grantId === '' ? {} : { grant_id: grantId }),
      });
      await onGranted();
      return answer.granted
        ? `Granted ${formatUsd(Number(amount))} to ${orgId}: available now ${formatBalance(answer.data.available_nanos, answer.data.available)}.`
        : `Grant ${answer.grant_id} was already applied: nothing added.`;
    },
  });
}

function createOrgForm(onCreated) {
  return actionForm({
    className: 'org-form',
    submitLabel: 'Create org',
    fields: [
      el('h3', { text: 'New org' }),
      field('Id (kebab-case)', el('input', { name: 'id', autocomplete: 'off', placeholder: 'acme' })),
      field('Name', el('input', { name: 'name', autocomplete: 'off', placeholder: 'Acme Inc.' })),
    ],
    action: async (data) => {
      const id = String(data.get('id') ?? '').trim();
      const name = String(data.get('name') ?? '').trim();
      await callApi('POST', '/api/v1/orgs', { id, ...(name === '' ? {} : { name }) });
      onCreated();
      return `Org ${id} is ready; grant it credits and create its keys above.`;
    },
  });
}
