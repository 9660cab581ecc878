/**
 * Encodes one event as SSE text: an optional `event:` and `id:` line, one `data:`
 * line per line of data (split on \n, \r\n and \r), then the blank line that
 * dispatches it.
 */
export function encodeSseEvent(event: {
  readonly event?: string;
  readonly data: string;
  readonly id?: string;
}): string {
  let text = '';
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  if (event.id !== undefined) text += `id: ${event.id}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** An SSE comment, used as a keep-alive (": <text>\n\n"); clients ignore it. */
export function encodeSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
