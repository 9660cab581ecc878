// What bodies built to be expensive cost the request parser and the literal scan, against `JSON.parse` of the whole
// text: many tiny values, deep nesting, hundreds of thousands of text parts. Each case and way runs in a fresh
// process (one warm-up, then three timed runs, in ms); the pieces' runs also time the literal scan once.
// Usage: npm run build && node bench/hostile-bodies.mjs
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MB = 1024 * 1024;
const ones = (count) => Array(count).fill('1').join(',');
const cases = {
  'numbers (16 MB array of 8 Mi numbers)': () => `[${ones(8 * MB - 1)}]`,
  'objects (16 MB array of 2 Mi small objects)': () =>
    `[${Array(2 * MB - 1)
      .fill('{"a":1}')
      .join(',')}]`,
  'nested (8 arrays around 4 Mi numbers)': () => {
    let text = ones(4 * MB);
    for (let level = 0; level < 8; level += 1) text = `[${text},[1]]`;
    return text;
  },
  'parts (a message of 400 000 text parts)': () =>
    JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: Array(400_000).fill({ type: 'text', text: 'x' }) }],
    }),
};

async function measure(name, way) {
  const { parseJsonBytes } = await import('../dist/json/parse-json-bytes.js');
  const { findTextLiterals } = await import('../dist/protocols/shared/find-text-literals.js');
  const bytes = Buffer.from(cases[name]());
  const parse = () => (way === 'pieces' ? parseJsonBytes(bytes) : JSON.parse(bytes.toString('utf8')));
  parse();
  const runs = [];
  let value;
  for (let run = 0; run < 3; run += 1) {
    const started = process.hrtime.bigint();
    value = parse();
    runs.push(Math.round(Number(process.hrtime.bigint() - started) / 1e6));
  }
  const started = process.hrtime.bigint();
  if (way === 'pieces') findTextLiterals(bytes, value, 1024);
  const scan = way === 'pieces' ? Math.round(Number(process.hrtime.bigint() - started) / 1e6) : undefined;
  console.log(JSON.stringify({ body: name, way, megabytes: Number((bytes.length / MB).toFixed(1)), runs, scan }));
}

const [name, way] = process.argv.slice(2);
if (name === undefined) {
  const self = fileURLToPath(import.meta.url);
  for (const body of Object.keys(cases)) {
    for (const each of ['whole', 'pieces']) process.stdout.write(execFileSync(process.execPath, [self, body, each]));
  }
} else {
  await measure(name, way);
}
