import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
// Only the encoding's pre-tokenizer pattern: the library's encoder (its 200 000-string map) is never loaded.
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/esm/encodingParams/constants';
import type { BpeTable } from './bpe-table.js';
import { countMergedTokens, isOneToken } from './count-bpe-tokens.js';
import { detachString } from './detach-string.js';
import { parseTiktokenRanks } from './parse-tiktoken-ranks.js';

const encoder = new TextEncoder();
const splitPattern = new RegExp(O200K_TOKEN_SPLIT_REGEX.source, O200K_TOKEN_SPLIT_REGEX.flags);
let table: BpeTable | undefined;
/** A piece's UTF-8 bytes (at most 3 per UTF-16 unit), grown to the longest piece seen up to 64 KiB. */
let pieceBytes = new Uint8Array(1024);
const pieceBytesKeptMax = 65_536;

/**
 * Reads the o200k_base vocabulary (GPT-4o and later) from the tokenizer package's tiktoken file, once per process
 * (0.15–0.2 s here). The server calls it at start so that no request pays for it; anything else loads it on first use.
 */
export function loadO200kTokens(): void {
  if (table !== undefined) return;
  const path = createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken');
  table = parseTiktokenRanks(readFileSync(path));
}

/**
 * Tokens of a text in the o200k_base encoding, special-token strings (`<|endoftext|>`) counted as the ordinary text
 * they are when a client sends them. The same count as tiktoken's: the encoding's pattern splits the text into
 * pieces, and each piece is one token or byte-pair encoded.
 */
export function countO200kTokens(text: string): number {
  loadO200kTokens();
  const vocabulary = table as BpeTable;
  let tokens = 0;
  splitPattern.lastIndex = 0;
  for (let match = splitPattern.exec(text); match !== null; match = splitPattern.exec(text)) {
    const piece = match[0];
    if (piece.length === 0) {
      splitPattern.lastIndex += 1;
      continue;
    }
    tokens += countPiece(vocabulary, piece);
  }
  return tokens;
}

/**
 * Pieces that took a merge (not one token), remembered by their text: words and phrases recur across a text and
 * across calls, and a merge costs 10–100 times a lookup. Bounded: pieces of at most 256 characters, at most
 * 16 384 of them (about 8 MiB at worst), all forgotten at once when full.
 */
const mergedPieceCharsMax = 256;
export const mergedPieceCountMax = 16_384;
const mergedPieces = new Map<string, number>();

/** How many merged pieces are remembered now (for the bound's test). */
export function rememberedPieceCount(): number {
  return mergedPieces.size;
}

function countPiece(vocabulary: BpeTable, piece: string): number {
  const bytes = bytesFor(piece.length * 3);
  const length = writeUtf8(piece, bytes);
  // Most pieces of English and code are one token: one lookup, nothing merged or remembered.
  if (isOneToken(vocabulary, bytes, length)) return 1;
  const remembered = mergedPieces.get(piece);
  if (remembered !== undefined) return remembered;
  const tokens = countMergedTokens(vocabulary, bytes, length);
  if (piece.length <= mergedPieceCharsMax) {
    if (mergedPieces.size >= mergedPieceCountMax) mergedPieces.clear();
    // The piece is a view into the whole text: kept as it is, it would keep the text alive.
    mergedPieces.set(detachString(piece), tokens);
  }
  return tokens;
}

/** Writes a piece's UTF-8 bytes; returns their count. ASCII (most pieces) is copied without the encoder's call. */
function writeUtf8(piece: string, bytes: Uint8Array): number {
  for (let index = 0; index < piece.length; index += 1) {
    const code = piece.charCodeAt(index);
    if (code >= 0x80) return encoder.encodeInto(piece, bytes).written;
    bytes[index] = code;
  }
  return piece.length;
}

/** The shared buffer when it can hold `size` bytes (grown up to its bound), else one for this piece alone. */
function bytesFor(size: number): Uint8Array {
  if (size <= pieceBytes.length) return pieceBytes;
  if (size > pieceBytesKeptMax) return new Uint8Array(size);
  pieceBytes = new Uint8Array(size);
  return pieceBytes;
}
