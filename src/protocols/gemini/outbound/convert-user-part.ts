import type { ImagePart, UserPart, Warning } from '../../../spec/index.js';
import { asObject } from '../../shared/field-readers.js';
import type { JsonObject } from '../../shared/field-readers.js';

/** Image types Gemini accepts by file extension, for URLs it must fetch itself (`fileData`). */
const imageMimeTypesByExtension: ReadonlyMap<string, string> = new Map([
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['gif', 'image/gif'],
  ['heic', 'image/heic'],
]);

const dataUrlPattern = /^data:([^;,]+);base64,(.*)$/s;

/**
 * One canonical user part → zero or one Gemini part. Images become `inlineData` (data URLs) or
 * `fileData` (http/https URLs, which Google fetches; the gateway never does). Anything Gemini
 * cannot take is dropped with a warning rather than guessed at.
 */
export function convertUserPart(part: UserPart, warnings: Warning[]): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'image':
      return convertImage(part, warnings);
    case 'opaque': {
      const value = part.protocol === 'gemini' ? asObject(part.value) : undefined;
      if (value === undefined) {
        warnings.push({
          type: 'unsupported-setting',
          setting: 'messages[].content',
          details: `a ${part.protocol} content part cannot be sent to a gemini upstream; dropped`,
        });
      }
      return value;
    }
    default: {
      const exhausted: never = part;
      return exhausted;
    }
  }
}

function convertImage(part: ImagePart, warnings: Warning[]): JsonObject | undefined {
  const inline = dataUrlPattern.exec(part.url);
  if (inline !== null) return { inlineData: { mimeType: inline[1], data: inline[2] } };
  const mimeType = readRemoteImageMimeType(part.url);
  if (mimeType !== undefined) return { fileData: { mimeType, fileUri: part.url } };
  warnings.push({
    type: 'unsupported-setting',
    setting: 'messages[].content.image_url',
    details: `image dropped: not a base64 data URL, nor an http(s) URL ending in ${[...imageMimeTypesByExtension.keys()].join('/')}`,
  });
  return undefined;
}

/** The MIME type of an http(s) image URL from its path's extension; undefined when unknown. */
function readRemoteImageMimeType(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  const extension = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : imageMimeTypesByExtension.get(extension);
}
