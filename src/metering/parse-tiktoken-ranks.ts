import { Buffer } from 'node:buffer';
import { createBpeTable } from './bpe-table.js';
import type { BpeTable } from './bpe-table.js';

/**
 * Reads a vocabulary in tiktoken's file format: one line per token, `<base64 bytes> <rank>`, ranks 0, 1, 2, … in
 * order. Throws on anything else (a line out of order, a rank skipped, a malformed line).
 */
export function parseTiktokenRanks(file: Buffer): BpeTable {
  const text = file.toString('latin1');
  // Decoded base64 is shorter than its text, so the file's length bounds the tokens' bytes.
  const bytes = Buffer.allocUnsafe(file.length);
  const starts: number[] = [0];
  let offset = 0;
  for (let lineStart = 0; lineStart < text.length;) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    if (lineEnd > lineStart) {
      const space = text.indexOf(' ', lineStart);
      const rank = space === -1 || space > lineEnd ? Number.NaN : Number(text.slice(space + 1, lineEnd));
      if (rank !== starts.length - 1) {
        throw new Error(`tiktoken ranks: line ${starts.length} should give rank ${starts.length - 1}`);
      }
      offset += bytes.write(text.slice(lineStart, space), offset, 'base64');
      starts.push(offset);
    }
    lineStart = lineEnd + 1;
  }
  return createBpeTable(Uint8Array.prototype.slice.call(bytes, 0, offset), Uint32Array.from(starts));
}
