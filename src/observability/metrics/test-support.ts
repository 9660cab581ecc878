/**
 * A small, strict reader of the Prometheus text format 0.0.4, for tests only: it throws on the first line that
 * a Prometheus server would reject, and returns the samples with label values unescaped.
 */

export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value exactly as written. */
  readonly value: string;
}

export interface ParsedFamily {
  readonly help: string | undefined;
  readonly type: string | undefined;
  readonly samples: ParsedSample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const floatValue = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const metricTypes = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const histogramSuffixes = ['_bucket', '_sum', '_count'];

/** Parses a whole page; families keyed by name, in page order. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the page must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const finished = new Set<string>();
  let current: string | undefined;
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    try {
      if (line.startsWith('#')) {
        const family = readComment(line, families);
        if (family !== undefined) current = enter(family, current, finished, families);
        return;
      }
      if (line.trim() === '') return;
      const sample = readSample(line);
      current = enter(familyOf(sample.name, families), current, finished, families);
      families.get(current)!.samples.push(sample);
    } catch (error) {
      throw new Error(`line ${index + 1} ${JSON.stringify(line)}: ${(error as Error).message}`);
    }
  });
  for (const [name, family] of families) if (family.type === 'histogram') assertHistogram(name, family);
  return families;
}

function enter(
  name: string,
  current: string | undefined,
  finished: Set<string>,
  families: Map<string, ParsedFamily>,
): string {
  if (name === current) return name;
  if (finished.has(name)) throw new Error(`family ${name} is not contiguous`);
  if (current !== undefined) finished.add(current);
  if (!families.has(name)) families.set(name, { help: undefined, type: undefined, samples: [] });
  return name;
}

/** `# HELP name text` or `# TYPE name type` returns the family name; other comments are ignored. */
function readComment(line: string, families: Map<string, ParsedFamily>): string | undefined {
  const match = /^# (HELP|TYPE) ([^ \t]+)(?:[ \t]+(.*))?$/s.exec(line);
  if (match === null) return undefined;
  const [, keyword, name, rest = ''] = match as unknown as [string, string, string, string | undefined];
  if (metricName.exec(name)?.[0] !== name) throw new Error(`bad metric name ${name}`);
  const family = families.get(name) ?? { help: undefined, type: undefined, samples: [] };
  if (keyword === 'HELP') {
    if (family.help !== undefined) throw new Error(`second HELP for ${name}`);
    if (rest.replace(/\\[\\n]/g, '').includes('\\')) throw new Error('bad escape in HELP');
    families.set(name, { ...family, help: rest.replace(/\\([\\n])/g, (_all, code) => (code === 'n' ? '\n' : '\\')) });
  } else {
    if (family.type !== undefined) throw new Error(`second TYPE for ${name}`);
    if (family.samples.length > 0) throw new Error(`TYPE after samples of ${name}`);
    if (!metricTypes.has(rest)) throw new Error(`unknown type ${rest}`);
    families.set(name, { ...family, type: rest });
  }
  return name;
}

/** The family a sample belongs to: a histogram's `_bucket`, `_sum` and `_count` belong to the histogram. */
function familyOf(sampleName: string, families: Map<string, ParsedFamily>): string {
  for (const suffix of histogramSuffixes) {
    if (!sampleName.endsWith(suffix)) continue;
    const base = sampleName.slice(0, -suffix.length);
    if (families.get(base)?.type === 'histogram') return base;
  }
  return sampleName;
}

function readSample(line: string): ParsedSample {
  const name = metricName.exec(line)?.[0];
  if (name === undefined) throw new Error('no metric name');
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === '{') position = readLabels(line, position + 1, labels);
  if (line[position] !== ' ') throw new Error('expected one space before the value');
  const fields = line.slice(position + 1).split(' ');
  if (fields.length > 2 || !floatValue.test(fields[0]!)) throw new Error(`bad value ${fields[0]}`);
  if (fields.length === 2 && !/^-?\d+$/.test(fields[1]!)) throw new Error('bad timestamp');
  return { name, labels, value: fields[0]! };
}

/** Reads `a="x",b="y"}` from `position`; returns the index after `}`. */
function readLabels(line: string, start: number, labels: Record<string, string>): number {
  let position = start;
  while (line[position] !== '}') {
    const label = labelName.exec(line.slice(position))?.[0];
    if (label === undefined) throw new Error(`bad label name at ${position}`);
    if (label in labels) throw new Error(`label ${label} repeated`);
    position += label.length;
    if (line.slice(position, position + 2) !== '="') throw new Error('expected ="');
    position += 2;
    let value = '';
    for (;;) {
      const char = line[position];
      if (char === undefined) throw new Error('unterminated label value');
      position += 1;
      if (char === '"') break;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const code = line[position];
      position += 1;
      if (code === '\\' || code === '"') value += code;
      else if (code === 'n') value += '\n';
      else throw new Error(`bad escape \\${code}`);
    }
    labels[label] = value;
    if (line[position] === ',') position += 1;
    else if (line[position] !== '}') throw new Error('expected , or }');
  }
  return position + 1;
}

/** Buckets per label set: `le` increasing, counts cumulative, a `+Inf` bucket equal to `_count`. */
function assertHistogram(name: string, family: ParsedFamily): void {
  const groups = new Map<string, { bounds: number[]; counts: number[]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    const group = groups.get(key) ?? { bounds: [], counts: [] };
    groups.set(key, group);
    if (sample.name === `${name}_bucket`) {
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      group.bounds.push(le === '+Inf' ? Infinity : Number(le));
      group.counts.push(Number(sample.value));
    } else if (sample.name === `${name}_count`) group.count = Number(sample.value);
  }
  for (const [key, group] of groups) {
    for (let index = 1; index < group.bounds.length; index += 1) {
      if (!(group.bounds[index]! > group.bounds[index - 1]!)) throw new Error(`${name}${key}: le not increasing`);
      if (group.counts[index]! < group.counts[index - 1]!) throw new Error(`${name}${key}: buckets not cumulative`);
    }
    if (group.bounds.at(-1) !== Infinity) throw new Error(`${name}${key}: no +Inf bucket`);
    if (group.counts.at(-1) !== group.count) throw new Error(`${name}${key}: +Inf bucket differs from _count`);
  }
}
