// DOM helpers. Text goes in as text nodes (textContent), never as HTML: model names, key names and app titles
// come from users. No inline style attributes either: the page's CSP allows only styles.css.

const svgNamespace = 'http://www.w3.org/2000/svg';

/**
 * `el('td', {className: 'num', text: '1.2K', 'data-value': 1200}, [child, 'text'])`: `text` sets textContent,
 * `on<Event>` adds a listener, any other property becomes an attribute (false/null/undefined: absent).
 */
export function el(tag, properties = {}, children = []) {
  return assemble(document.createElement(tag), properties, children);
}

/** The same for SVG elements (attributes only: SVG presentation attributes are not styles). */
export function svgEl(tag, properties = {}, children = []) {
  return assemble(document.createElementNS(svgNamespace, tag), properties, children);
}

function assemble(node, properties, children) {
  for (const [name, value] of Object.entries(properties)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'className') node.setAttribute('class', value);
    else if (/^on[A-Z]/.test(name)) node.addEventListener(name.slice(2).toLowerCase(), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** A titled card (one section of a page). */
export function card(title, children = [], className = '') {
  return el('section', { className: `card ${className}`.trim() }, [el('h2', { text: title }), ...children]);
}

/** Loading, empty and error states: one shape everywhere, so tests and people find them. */
export function loadingState(text = 'Loading…') {
  return el('p', { className: 'state state-loading', role: 'status', text });
}

export function emptyState(text) {
  return el('p', { className: 'state state-empty', text });
}

export function errorState(error) {
  return el('p', { className: 'state state-error', role: 'alert', text: describeError(error) });
}

export function describeError(error) {
  if (error && typeof error.message === 'string' && error.message !== '') return error.message;
  return 'Something went wrong.';
}

/** A table that scrolls sideways inside its card on a narrow screen instead of widening the page. */
export function table(columns, rows, className = '') {
  const head = el('thead', {}, [
    el(
      'tr',
      {},
      columns.map((column) =>
        el('th', { className: column.isNumeric ? 'num' : undefined, scope: 'col', text: column.title }),
      ),
    ),
  ]);
  return el('div', { className: 'table-scroll' }, [
    el('table', { className: className || undefined }, [head, el('tbody', {}, rows)]),
  ]);
}

/** A cell; numeric cells align right with tabular figures. */
export function cell(content, properties = {}) {
  const children = typeof content === 'string' ? [] : [content];
  const text = typeof content === 'string' ? content : undefined;
  return el('td', { text, ...properties }, children);
}

/**
 * Fills `container` with a loading state, then with `render(data)` once `load()` answers, or with an error
 * state. A 401 (signed out, or the session ended) goes to `onSignedOut` instead.
 */
export async function fillSection(container, { load, render, onSignedOut }) {
  container.replaceChildren(loadingState());
  let content;
  try {
    content = render(await load());
  } catch (error) {
    if (error && error.status === 401 && onSignedOut) {
      onSignedOut();
      return;
    }
    content = errorState(error);
  }
  container.replaceChildren(...(Array.isArray(content) ? content : [content]));
}

/** A definition list of `[label, value, field]` rows; `field` names the value for tests (`data-field`). */
export function definitionList(entries) {
  return el(
    'dl',
    { className: 'details' },
    entries.flatMap(([label, value, field, rawValue]) => [
      el('dt', { text: label }),
      el('dd', { text: value, 'data-field': field, 'data-value': rawValue }),
    ]),
  );
}
