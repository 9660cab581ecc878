import { strict as assert } from 'node:assert';

/**
 * Encodes one event as SSE text: an optional `event:` line, an optional `id:` line, one `data:`
 * line per line of data (split on \n, \r\n and \r), then the blank line that dispatches it.
 * A client reading it back gets the data with its line ends normalised to \n.
 *
 * `event` and `id` must not contain line breaks (they would end the field early and inject lines
 * into the stream), and `id` must not contain NUL (clients ignore such an id); either is a bug in
 * the caller, so it fails an assertion rather than being silently rewritten.
 */
export function encodeSseEvent(event: {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}): string {
  let text = '';
  if (event.event !== undefined) {
    assert(!hasLineBreak(event.event), 'An SSE event name must not contain a line break.');
    text = `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    assert(!hasLineBreak(event.id) && !event.id.includes('\u0000'), 'An SSE id must not contain a line break or NUL.');
    text += `id: ${event.id}\n`;
  }
  const { data } = event;
  // Nearly all data is one line of JSON: skip the split.
  if (!hasLineBreak(data)) return `${text}data: ${data}\n\n`;
  for (const line of data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/**
 * Encodes an SSE comment, used as a keep-alive (": <text>\n\n"); clients ignore it. Line breaks in
 * `text` become spaces, because a break would end the comment and start a field line.
 */
export function encodeSseComment(text: string): string {
  return `: ${hasLineBreak(text) ? text.replace(/[\r\n]+/g, ' ') : text}\n\n`;
}

function hasLineBreak(text: string): boolean {
  return text.includes('\n') || text.includes('\r');
}
