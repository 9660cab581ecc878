import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const listeningPattern = /Meridian listening on (http:\/\/\S+)/;
const startTimeoutMs = 20_000;

export interface GatewayProcess {
  readonly url: string;
  readonly directory: string;
  readonly output: string[];
  readonly child: ChildProcess;
  /** SIGTERM, then wait for exit. */
  stop(): Promise<void>;
  /** Removes the temporary directory (after stop). */
  cleanup(): void;
}

/**
 * Spawns the built server (`dist/main.js serve`) in a fresh temporary directory.
 * With `configYaml`, writes it to `<dir>/meridian.yaml` (`{{dir}}` is replaced by
 * the directory); without, starts zero-config in that directory.
 */
export async function startGatewayProcess(
  options: {
    readonly configYaml?: string;
    readonly directory?: string;
    /** Extra environment (e.g. `MERIDIAN_LOG_LEVEL: 'info'` to capture logs in `output`). */
    readonly env?: Readonly<Record<string, string>>;
  } = {},
): Promise<GatewayProcess> {
  if (!existsSync(mainPath)) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does).');
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'meridian-e2e-'));
  const args = [mainPath, 'serve', '--port', '0'];
  if (options.configYaml !== undefined) {
    writeFileSync(join(directory, 'meridian.yaml'), options.configYaml.replaceAll('{{dir}}', directory));
    args.push('--config', join(directory, 'meridian.yaml'));
  }
  const child = spawn(process.execPath, args, {
    cwd: directory,
    env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', MERIDIAN_CONFIG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start in ${startTimeoutMs} ms:\n${output.join('')}`)),
      startTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      const match = listeningPattern.exec(output.join(''));
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${String(code)}:\n${output.join('')}`));
    });
  });
  // A node that dies on its own (a crash, not a signal a test sent) says why in the test run's output.
  child.once('exit', (code) => {
    if (code !== null && code !== 0) console.error(`gateway ${url} exited with ${code}:\n${output.join('')}`);
  });
  return {
    url,
    directory,
    output,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        // A process killed by a signal has a signalCode and no exitCode: both mean it is gone.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
    cleanup: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** The admin key printed on first start, if any. */
export function readPrintedAdminKey(output: readonly string[]): string | undefined {
  return /Admin key \(shown once, store it now\): (\S+)/.exec(output.join(''))?.[1];
}
