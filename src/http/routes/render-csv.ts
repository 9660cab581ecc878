import type { ServerResponse } from 'node:http';

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a leading =+-@ is defused. */
function renderField(value: string | number | bigint | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows (with a header) as CSV text, CRLF line ends. */
export function renderCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | bigint | null | undefined)[])[],
): string {
  return [header, ...rows].map((row) => row.map(renderField).join(',')).join('\r\n') + '\r\n';
}

/** Sends CSV as a download named `filename`. */
export function sendCsv(response: ServerResponse, csv: string, filename: string, requestId: string): void {
  response.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
    'content-length': Buffer.byteLength(csv),
    'x-request-id': requestId,
  });
  response.end(csv);
}
