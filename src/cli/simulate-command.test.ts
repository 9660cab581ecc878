import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createSimulationSummary } from '../simulate/index.js';
import { createProgressReporter, formatSimulationSummary, registerSimulateCommand } from './simulate-command.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

describe('createProgressReporter', () => {
  it('prints a line per 10 % when stderr is not a terminal', () => {
    const { stream, written } = fakeStream(false);
    const report = createProgressReporter(stream);
    for (const done of [512, 1_024, 1_536, 2_048, 2_500]) report(done, 2_500);
    expect(written).toEqual([
      'simulate: 20% (512/2,500 requests)\n',
      'simulate: 40% (1,024/2,500 requests)\n',
      'simulate: 60% (1,536/2,500 requests)\n',
      'simulate: 80% (2,048/2,500 requests)\n',
      'simulate: 100% (2,500/2,500 requests)\n',
    ]);
  });

  it('redraws one bar in place on a terminal and ends the line when done', () => {
    const { stream, written } = fakeStream(true);
    const report = createProgressReporter(stream);
    report(1, 3);
    report(1, 3);
    report(3, 3);
    expect(written).toEqual([
      `\rSimulating ${'█'.repeat(10)}${'░'.repeat(20)}  33% 1/3 requests`,
      `\rSimulating ${'█'.repeat(30)} 100% 3/3 requests\n`,
    ]);
  });
});

describe('formatSimulationSummary', () => {
  it('reports volume, money, the origin split and the top models, and where to look', () => {
    const summary = createSimulationSummary(Date.UTC(2026, 2, 23), Date.UTC(2026, 3, 6));
    Object.assign(summary, {
      requests: 3,
      tokensPrompt: 250_000,
      tokensCached: 200_000,
      tokensCompletion: 5_000,
      tokensReasoning: 1_000,
      chargedNanos: 1_234_560_000n,
      upstreamCostNanos: 1_000_000_000n,
      grantedNanos: 100_000_000_000n,
      orgCount: 9,
      keyCount: 14,
    });
    summary.endings.success = 2;
    summary.endings.error = 1;
    summary.tokensByModel.set('qwen/qwen3.6-plus', 200_000).set('openai/gpt-5', 55_000);
    summary.lastWeekTokensByOrigin.set('CN', 200_000).set('US', 55_000);
    expect(formatSimulationSummary(summary, 1).split('\n')).toEqual([
      'Simulated 3 requests from 2026-03-23 to 2026-04-05 (2 weeks, seed 1) for 10 apps, 9 orgs (sim-…) and 14 keys.',
      'Endings: 2 success, 0 no output, 0 client aborts, 0 upstream errors after output, 1 errors before output.',
      'Tokens: 255.0K (prompt 250.0K, 80.0% of it cached; completion 5.0K, reasoning 1.0K).',
      'Spend: $1.23 charged (upstream cost $1.00; credit granted $100.00).',
      'Last 7 days: Chinese models 78.4% of tokens, US models 21.6%.',
      'Top models by tokens:',
      '   1  qwen/qwen3.6-plus   200.0K   78.4%',
      '   2  openai/gpt-5         55.0K   21.6%',
      'See the barometer: meridian rankings --date 2026-03-30',
    ]);
  });
});

describe('formatSimulationSummary of a run that found its calls stored', () => {
  it('says they were not added again', () => {
    const summary = createSimulationSummary(Date.UTC(2026, 2, 30), Date.UTC(2026, 3, 6));
    Object.assign(summary, { requests: 3, alreadyStored: 3 });
    expect(formatSimulationSummary(summary, 1).split('\n')[1]).toBe(
      'All 3 were already settled by an earlier run with the same --seed and --until: nothing was added or charged again.',
    );
    Object.assign(summary, { alreadyStored: 2 });
    expect(formatSimulationSummary(summary, 1).split('\n')[1]).toBe(
      '2 of them were already settled by an earlier run with the same --seed and --until: those were not added or charged again.',
    );
  });
});

describe('meridian simulate flags', () => {
  const parse = async (...args: string[]) => {
    const program = new Command().exitOverride();
    registerSimulateCommand(program);
    await program.parseAsync(['node', 'meridian', 'simulate', ...args]);
  };

  it.each([
    [['--weeks', '0'], "--weeks must be a whole number from 1 to 52, got '0'"],
    [['--weeks', '53'], "--weeks must be a whole number from 1 to 52, got '53'"],
    [['--requests-per-week', '50001'], "--requests-per-week must be a whole number from 1 to 50000, got '50001'"],
    [['--seed', '-1'], "--seed must be a whole number from 0 to 4294967295, got '-1'"],
    [['--until', '2026-02-30'], "--until must be a date YYYY-MM-DD, got '2026-02-30'"],
    [['--until', '9999-01-01'], '--until 9999-01-01 is in the future: simulated traffic must have happened'],
    [['--weeks', '2', '--until', '1970-01-05'], '--weeks 2 before --until 1970-01-05 would start before 1970-01-01'],
  ])('refuses %j before opening storage', async (args, message) => {
    await expect(parse(...args)).rejects.toThrow(message);
  });
});
