import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from './journal-line.js';

/** Whether the journal's disk takes appends: what admission and readiness read in cluster mode. */
export interface JournalHealth {
  readonly isWritable: boolean;
  /** An append failed: unwritable until an append or a probe succeeds. */
  noteFailure(error: unknown): void;
  /** An append succeeded. */
  noteSuccess(): void;
  close(): void;
}

/** The probe's file in the journal directory (not named like a segment: replay never reads it). */
export const journalProbeFileName = 'probe.tmp';

/**
 * Tracks whether the journal can be written. A failed append (a full disk, an I/O error, a directory gone) makes it
 * unwritable; from then on a probe runs every `probeIntervalMs`: `probeBytes` written to a file of its own, synced and
 * deleted. The first append or probe that succeeds makes it writable again. `onChange` hears each change once.
 */
export function createJournalHealth(options: {
  readonly directory: string;
  readonly probeIntervalMs: number;
  readonly probeBytes: number;
  readonly onChange: (isWritable: boolean, detail: string | undefined) => void;
}): JournalHealth {
  let isWritable = true;
  let timer: NodeJS.Timeout | undefined;
  let isProbing = false;

  function change(writable: boolean, detail: string | undefined): void {
    if (isWritable === writable) return;
    isWritable = writable;
    if (writable) stopProbing();
    else timer = setInterval(() => void probe(), options.probeIntervalMs).unref();
    options.onChange(writable, detail);
  }

  function stopProbing(): void {
    clearInterval(timer);
    timer = undefined;
  }

  async function probe(): Promise<void> {
    if (isProbing) return;
    isProbing = true;
    try {
      await writeProbe(join(options.directory, journalProbeFileName), options.probeBytes);
      change(true, undefined);
    } catch {
      // Still unwritable: the next tick tries again.
    } finally {
      isProbing = false;
    }
  }

  return {
    get isWritable() {
      return isWritable;
    },
    noteFailure: (error) => change(false, describeError(error)),
    noteSuccess: () => change(true, undefined),
    close: stopProbing,
  };
}

async function writeProbe(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  try {
    const { bytesWritten } = await handle.write(Buffer.alloc(bytes, 0x20));
    if (bytesWritten !== bytes) throw new Error('the journal probe was written only in part');
    await handle.datasync();
  } finally {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
  }
}
