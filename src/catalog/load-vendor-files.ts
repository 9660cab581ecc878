import { readdirSync, readFileSync } from 'node:fs';
import { vendorFileSchema } from './catalog-schema.js';
import type { VendorFile } from './catalog-schema.js';

const vendorsDirectory = new URL('./vendors/', import.meta.url);

/**
 * Reads and validates every built-in vendor file (`vendors/*.json`, copied next to
 * the compiled module by the build), sorted by name. Invalid data names the file and field.
 */
export function loadVendorFiles(directory: URL = vendorsDirectory): VendorFile[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const parsed = vendorFileSchema.safeParse(JSON.parse(readFileSync(new URL(name, directory), 'utf8')));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`catalog file vendors/${name}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
      }
      return parsed.data;
    });
}
