// Dashboard placeholder: lists the catalog from /api/v1/models. No framework, no CDN.
const example = document.getElementById('example');
example.textContent = example.textContent.replace('HOST', location.host);

function perMillion(perToken) {
  if (perToken === undefined) return '—';
  const value = Number(perToken) * 1e6;
  return '$' + (value >= 1 ? value.toFixed(2) : value.toPrecision(2));
}

function formatTokens(count) {
  if (count >= 1e6) return (count / 1e6).toFixed(count % 1e6 === 0 ? 0 : 1) + 'M';
  if (count >= 1e3) return Math.round(count / 1e3) + 'K';
  return String(count);
}

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function load() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('/api/v1/models');
    const body = await response.json();
    const tbody = document.querySelector('#models tbody');
    for (const model of body.data) {
      const row = document.createElement('tr');
      const name = cell(model.name);
      if (model.is_sandbox) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = 'sandbox';
        name.append(' ', badge);
      }
      row.append(
        name,
        cell(model.author),
        cell(model.origin),
        cell(formatTokens(model.context_length), 'num'),
        cell(perMillion(model.pricing.prompt), 'num'),
        cell(perMillion(model.pricing.completion), 'num'),
        cell(model.endpoints.map((endpoint) => endpoint.provider).join(', ')),
      );
      tbody.append(row);
    }
    status.textContent = body.data.length + ' models available.';
    document.getElementById('models').hidden = false;
  } catch (error) {
    status.textContent = 'Could not load the catalog: ' + error;
  }
}

load();
