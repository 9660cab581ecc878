import { pickInteger } from './seeded-random.js';

const openers = ['Here is a short answer.', 'Good question.', 'Let me walk through it.', 'In brief:', 'Sure.'];
const words = [
  'the',
  'gateway',
  'routes',
  'each',
  'request',
  'to',
  'a',
  'healthy',
  'endpoint',
  'and',
  'meters',
  'every',
  'token',
  'agents',
  'send',
  'long',
  'contexts',
  'with',
  'cached',
  'prefixes',
  'so',
  'cost',
  'depends',
  'on',
  'reuse',
  'model',
  'latency',
  'throughput',
  'matter',
  'for',
  'streams',
  'that',
  'run',
  'minutes',
  'while',
  'budgets',
  'hold',
  'firm',
  'providers',
  'differ',
  'in',
  'price',
  'region',
  'and',
  'reliability',
  'this',
  'sandbox',
  'simulates',
  'answers',
  'deterministically',
  'from',
  'your',
  'prompt',
  'which',
  'keeps',
  'tests',
  'repeatable',
  'across',
  'runs',
];

/**
 * Deterministic prose of about `tokenTarget` tokens: an opener that echoes the
 * start of the question, then sentences from a fixed word list.
 */
export function composeText(random: () => number, question: string, tokenTarget: number): string {
  const topic = question.replace(/\s+/g, ' ').trim().split(' ').slice(0, 6).join(' ');
  const parts: string[] = [openers[pickInteger(random, 0, openers.length - 1)]!];
  if (topic !== '') parts.push(`You asked about "${topic}".`);
  let approximateTokens = 12;
  while (approximateTokens < tokenTarget) {
    const length = pickInteger(random, 6, 14);
    const sentence: string[] = [];
    for (let index = 0; index < length; index += 1) sentence.push(words[pickInteger(random, 0, words.length - 1)]!);
    const text = sentence.join(' ');
    parts.push(`${text.charAt(0).toUpperCase()}${text.slice(1)}.`);
    approximateTokens += length + 1;
  }
  return parts.join(' ');
}

/** A deterministic word for generated tool arguments. */
export function pickWord(random: () => number): string {
  return words[pickInteger(random, 0, words.length - 1)]!;
}
