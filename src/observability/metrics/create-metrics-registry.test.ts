import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './create-metrics-registry.js';
import { parseExposition } from './test-support.js';

describe('createMetricsRegistry render', () => {
  it('renders a small registry exactly: names sorted, series sorted, HELP escaped, one trailing newline', () => {
    const registry = createMetricsRegistry();
    const requests = registry.createCounter({
      name: 'app_requests_total',
      help: 'Requests "served".\nBy route \\ code.',
      labelNames: ['route', 'code'],
    });
    requests.labels('embeddings', '500').inc();
    requests.labels('chat', '429').inc(0.5);
    requests.labels('chat', '200').inc();
    requests.labels('chat', '200').inc(2);
    const inFlight = registry.createGauge({ name: 'app_in_flight', help: 'Open requests.', labelNames: [] });
    inFlight.labels().inc(3);
    inFlight.labels().dec();
    const latency = registry.createHistogram({
      name: 'app_latency_seconds',
      help: 'Latency.',
      labelNames: ['route'],
      buckets: [100, 250, 1000],
      renderDivisor: 1000,
    });
    for (const milliseconds of [100, 101, 2000]) latency.labels('chat').observe(milliseconds);
    const spend = registry.createBigintCounter({
      name: 'app_spend_usd_total',
      help: 'Spend.',
      labelNames: ['model'],
      decimals: 9,
    });
    spend.labels('m').inc(1_000_000_001n);

    expect(registry.render()).toBe(
      [
        '# HELP app_in_flight Open requests.',
        '# TYPE app_in_flight gauge',
        'app_in_flight 2',
        '# HELP app_latency_seconds Latency.',
        '# TYPE app_latency_seconds histogram',
        'app_latency_seconds_bucket{route="chat",le="0.1"} 1',
        'app_latency_seconds_bucket{route="chat",le="0.25"} 2',
        'app_latency_seconds_bucket{route="chat",le="1"} 2',
        'app_latency_seconds_bucket{route="chat",le="+Inf"} 3',
        'app_latency_seconds_sum{route="chat"} 2.201',
        'app_latency_seconds_count{route="chat"} 3',
        '# HELP app_requests_total Requests "served".\\nBy route \\\\ code.',
        '# TYPE app_requests_total counter',
        'app_requests_total{route="chat",code="200"} 3',
        'app_requests_total{route="chat",code="429"} 0.5',
        'app_requests_total{route="embeddings",code="500"} 1',
        '# HELP app_spend_usd_total Spend.',
        '# TYPE app_spend_usd_total counter',
        'app_spend_usd_total{model="m"} 1.000000001',
        '',
      ].join('\n'),
    );
  });

  it('renders an empty registry as an empty page, and a metric with no series as HELP and TYPE only', () => {
    const registry = createMetricsRegistry();
    expect(registry.render()).toBe('');
    registry.createCounter({ name: 'idle_total', help: 'Never counted.', labelNames: ['a'] });
    expect(registry.render()).toBe('# HELP idle_total Never counted.\n# TYPE idle_total counter\n');
  });

  it('gives the same page whatever order the series were first seen in', () => {
    const pages = [false, true].map((isReversed) => {
      const registry = createMetricsRegistry();
      const counter = registry.createCounter({ name: 'c_total', help: 'h', labelNames: ['a', 'b'] });
      const values = [
        ['b', 'x'],
        ['a', 'y'],
        ['a', 'x'],
        ['B', 'z'],
        ['a', 'xx'],
      ] as const;
      for (const [a, b] of isReversed ? [...values].reverse() : values) counter.labels(a, b).inc();
      return registry.render();
    });
    expect(pages[0]).toBe(pages[1]);
    expect(pages[0]).toContain('c_total{a="B",b="z"} 1\nc_total{a="a",b="x"} 1\nc_total{a="a",b="xx"} 1\n');
  });
});

describe('label values', () => {
  it('escapes backslash, double quote and line feed in label values, and reads back the original', () => {
    const registry = createMetricsRegistry();
    const counter = registry.createCounter({ name: 'odd_total', help: 'h', labelNames: ['model'] });
    counter.labels('a"b\\c\nd').inc(7);
    expect(registry.render()).toContain('odd_total{model="a\\"b\\\\c\\nd"} 7\n');
    const sample = parseExposition(registry.render()).get('odd_total')!.samples[0]!;
    expect(sample).toEqual({ name: 'odd_total', labels: { model: 'a"b\\c\nd' }, value: '7' });
  });

  it('folds new combinations beyond seriesCountMax into one all-`other` series, and counts the refusals', () => {
    const registry = createMetricsRegistry();
    const counter = registry.createCounter({
      name: 'capped_total',
      help: 'h',
      labelNames: ['model', 'provider'],
      seriesCountMax: 2,
    });
    counter.labels('m1', 'p').inc(1);
    counter.labels('m2', 'p').inc(2);
    counter.labels('m3', 'p').inc(4);
    counter.labels('m4', 'q').inc(8);
    counter.labels('m1', 'p').inc(16);
    expect(registry.render()).toBe(
      [
        '# HELP capped_total h',
        '# TYPE capped_total counter',
        'capped_total{model="m1",provider="p"} 17',
        'capped_total{model="m2",provider="p"} 2',
        'capped_total{model="other",provider="other"} 12',
        '',
      ].join('\n'),
    );
    expect(registry.listFoldedSeries()).toEqual([{ metric: 'capped_total', count: 2 }]);
  });

  it('keeps at most seriesCountMax + 1 series under a flood of distinct values', () => {
    const registry = createMetricsRegistry();
    const counter = registry.createCounter({
      name: 'flood_total',
      help: 'h',
      labelNames: ['model'],
      seriesCountMax: 100,
    });
    for (let index = 0; index < 10_000; index += 1) counter.labels(`hostile-${index}`).inc();
    const samples = parseExposition(registry.render()).get('flood_total')!.samples;
    expect(samples).toHaveLength(101);
    expect(samples.find((sample) => sample.labels['model'] === 'other')?.value).toBe('9900');
    expect(registry.listFoldedSeries()).toEqual([{ metric: 'flood_total', count: 9_900 }]);
  });

  it('replaces a label value over 200 characters by `other`, keeping the other labels', () => {
    const registry = createMetricsRegistry();
    const counter = registry.createCounter({ name: 'long_total', help: 'h', labelNames: ['model', 'provider'] });
    counter.labels('x'.repeat(201), 'p').inc();
    counter.labels('y'.repeat(5_000), 'p').inc();
    counter.labels('z'.repeat(200), 'p').inc();
    const text = registry.render();
    expect(text).toContain('long_total{model="other",provider="p"} 2\n');
    expect(text).toContain(`long_total{model="${'z'.repeat(200)}",provider="p"} 1\n`);
    expect(registry.listFoldedSeries()).toEqual([{ metric: 'long_total', count: 2 }]);
  });
});

describe('counters', () => {
  it('ignores negative and NaN increments instead of throwing', () => {
    const registry = createMetricsRegistry();
    const counter = registry.createCounter({ name: 'up_total', help: 'h', labelNames: [] });
    counter.labels().inc(5);
    counter.labels().inc(-3);
    counter.labels().inc(NaN);
    const money = registry.createBigintCounter({ name: 'money_total', help: 'h', labelNames: [] });
    money.labels().inc(10n);
    money.labels().inc(-4n);
    money.labels().inc();
    expect(registry.render()).toContain('\nup_total 5\n');
    expect(registry.render()).toContain('\nmoney_total 11\n');
  });

  it('adds bigint nano-USD exactly beyond 2^53 and renders nine decimals without a float', () => {
    const registry = createMetricsRegistry();
    const spend = registry.createBigintCounter({
      name: 'spend_usd_total',
      help: 'h',
      labelNames: ['model'],
      decimals: 9,
    });
    spend.labels('m').inc(9_007_199_254_740_993n); // 2^53 + 1
    spend.labels('m').inc(9_007_199_254_740_993n);
    spend.labels('m').inc(1n);
    spend.labels('small').inc(5n);
    const text = registry.render();
    // As a float, 18014398509481987 nanos would read 18014398509481988: the bigint keeps the last digit.
    expect(text).toContain('spend_usd_total{model="m"} 18014398.509481987\n');
    expect(text).toContain('spend_usd_total{model="small"} 0.000000005\n');
  });

  it('returns the same child for the same labels, so a caller may keep it', () => {
    const registry = createMetricsRegistry();
    const counter = registry.createCounter({ name: 'same_total', help: 'h', labelNames: ['a'] });
    expect(counter.labels('x')).toBe(counter.labels('x'));
    expect(counter.labels('x')).not.toBe(counter.labels('y'));
  });
});

describe('histograms', () => {
  it('counts a value equal to a bound in that bucket, cumulates, and keeps an integer _sum exact', () => {
    const registry = createMetricsRegistry();
    const histogram = registry.createHistogram({
      name: 'wait_seconds',
      help: 'h',
      labelNames: [],
      buckets: [5, 10, 60_000],
      renderDivisor: 1000,
    });
    for (const milliseconds of [1, 5, 6, 10, 11, 59_999, 60_000, 60_001, 100]) histogram.labels().observe(milliseconds);
    histogram.labels().observe(NaN);
    expect(registry.render()).toBe(
      [
        '# HELP wait_seconds h',
        '# TYPE wait_seconds histogram',
        'wait_seconds_bucket{le="0.005"} 2',
        'wait_seconds_bucket{le="0.01"} 4',
        'wait_seconds_bucket{le="60"} 8',
        'wait_seconds_bucket{le="+Inf"} 9',
        'wait_seconds_sum 180.133',
        'wait_seconds_count 9',
        '',
      ].join('\n'),
    );
  });

  it('renders bounds without a divisor as given, and a series that saw nothing as zeros', () => {
    const registry = createMetricsRegistry();
    const histogram = registry.createHistogram({
      name: 'size_bytes',
      help: 'h',
      labelNames: ['kind'],
      buckets: [0.5, 2],
    });
    histogram.labels('empty');
    histogram.labels('body').observe(0.25);
    histogram.labels('body').observe(0.25);
    expect(registry.render()).toBe(
      [
        '# HELP size_bytes h',
        '# TYPE size_bytes histogram',
        'size_bytes_bucket{kind="body",le="0.5"} 2',
        'size_bytes_bucket{kind="body",le="2"} 2',
        'size_bytes_bucket{kind="body",le="+Inf"} 2',
        'size_bytes_sum{kind="body"} 0.5',
        'size_bytes_count{kind="body"} 2',
        'size_bytes_bucket{kind="empty",le="0.5"} 0',
        'size_bytes_bucket{kind="empty",le="2"} 0',
        'size_bytes_bucket{kind="empty",le="+Inf"} 0',
        'size_bytes_sum{kind="empty"} 0',
        'size_bytes_count{kind="empty"} 0',
        '',
      ].join('\n'),
    );
  });
});

describe('callback metrics', () => {
  it('reads rows at scrape time, sorted, dropping duplicates, wrong arity and rows beyond the cap', () => {
    const registry = createMetricsRegistry();
    let rows = [
      { labels: ['b'], value: 2 },
      { labels: ['a'], value: 1 },
      { labels: ['a'], value: 9 },
      { labels: ['c', 'extra'], value: 3 },
      { labels: ['d'], value: 4 },
      { labels: ['e'], value: 5 },
    ] as { labels: readonly [string]; value: number }[];
    registry.registerCallbackGauge({
      name: 'state',
      help: 'h',
      labelNames: ['endpoint'],
      seriesCountMax: 3,
      collect: () => rows,
    });
    registry.registerCallbackGauge({ name: 'depth', help: 'h', labelNames: [], collect: () => 42 });
    expect(registry.render()).toBe(
      [
        '# HELP depth h',
        '# TYPE depth gauge',
        'depth 42',
        '# HELP state h',
        '# TYPE state gauge',
        'state{endpoint="a"} 1',
        'state{endpoint="b"} 2',
        'state{endpoint="d"} 4',
        '',
      ].join('\n'),
    );
    expect(registry.listFoldedSeries()).toEqual([{ metric: 'state', count: 3 }]);
    rows = [{ labels: ['z'], value: 0 }];
    expect(registry.render()).toContain('# TYPE state gauge\nstate{endpoint="z"} 0\n');
  });

  it('renders the rest of the page when a callback throws, and reports the error', () => {
    const errors: string[] = [];
    const registry = createMetricsRegistry({
      onCollectError: (name, error) => errors.push(`${name}: ${String(error)}`),
    });
    registry.registerCallbackGauge({
      name: 'broken',
      help: 'h',
      labelNames: [],
      collect: () => {
        throw new Error('store closed');
      },
    });
    registry.registerCallbackCounter({ name: 'fine_total', help: 'h', labelNames: [], collect: () => 3 });
    expect(registry.render()).toBe(
      '# HELP broken h\n# TYPE broken gauge\n# HELP fine_total h\n# TYPE fine_total counter\nfine_total 3\n',
    );
    expect(errors).toEqual(['broken: Error: store closed']);
  });

  it('runs scrape hooks before any callback, once per render', () => {
    const registry = createMetricsRegistry();
    let scrapes = 0;
    registry.addScrapeHook(() => (scrapes += 1));
    registry.registerCallbackGauge({ name: 'a_scrapes', help: 'h', labelNames: [], collect: () => scrapes });
    registry.registerCallbackGauge({ name: 'b_scrapes', help: 'h', labelNames: [], collect: () => scrapes });
    registry.render();
    expect(registry.render()).toBe(
      '# HELP a_scrapes h\n# TYPE a_scrapes gauge\na_scrapes 2\n# HELP b_scrapes h\n# TYPE b_scrapes gauge\nb_scrapes 2\n',
    );
  });
});

describe('registration checks', () => {
  it.each([
    [
      'a metric name with a dash',
      () => createMetricsRegistry().createGauge({ name: 'a-b', help: 'h', labelNames: [] }),
    ],
    ['a counter without _total', () => createMetricsRegistry().createCounter({ name: 'c', help: 'h', labelNames: [] })],
    ['a bad label name', () => createMetricsRegistry().createGauge({ name: 'g', help: 'h', labelNames: ['1x'] })],
    ['a reserved label name', () => createMetricsRegistry().createGauge({ name: 'g', help: 'h', labelNames: ['__x'] })],
    [
      'a repeated label name',
      () => createMetricsRegistry().createGauge({ name: 'g', help: 'h', labelNames: ['a', 'a'] }),
    ],
    [
      'le on a histogram',
      () => createMetricsRegistry().createHistogram({ name: 'h', help: 'h', labelNames: ['le'], buckets: [1] }),
    ],
    [
      'buckets not increasing',
      () => createMetricsRegistry().createHistogram({ name: 'h', help: 'h', labelNames: [], buckets: [1, 1] }),
    ],
    [
      'an infinite bucket',
      () => createMetricsRegistry().createHistogram({ name: 'h', help: 'h', labelNames: [], buckets: [1, Infinity] }),
    ],
    [
      'a zero series cap',
      () => createMetricsRegistry().createGauge({ name: 'g', help: 'h', labelNames: [], seriesCountMax: 0 }),
    ],
    [
      'a name taken twice',
      () => {
        const registry = createMetricsRegistry();
        registry.createGauge({ name: 'g', help: 'h', labelNames: [] });
        registry.registerCallbackGauge({ name: 'g', help: 'h', labelNames: [], collect: () => 1 });
      },
    ],
    [
      'a name a histogram writes',
      () => {
        const registry = createMetricsRegistry();
        registry.createHistogram({ name: 'h', help: 'h', labelNames: [], buckets: [1] });
        registry.createGauge({ name: 'h_count', help: 'h', labelNames: [] });
      },
    ],
  ])('refuses %s', (_case, register) => {
    expect(register).toThrow();
  });
});

/**
 * Characters that matter to the format (quote, backslash, line breaks, braces, separators), plus any code point
 * (including lone surrogates) now and then. fast-check's own `unit: 'binary'` strings are 50× slower to generate.
 */
const formatCharacter = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'b', '"', '\\', '\n', '\r', '\t', ' ', '{', '}', ',', '=', '#') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);

describe('the page is valid text format 0.0.4', () => {
  it('for any label values and help text: parses back to the same label values and counts', () => {
    const labelValue = fc.string({ unit: formatCharacter, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(labelValue, labelValue, fc.nat({ max: 1_000 })), { maxLength: 20 }),
        fc.string({ unit: formatCharacter, maxLength: 30 }),
        (entries, help) => {
          const registry = createMetricsRegistry();
          const counter = registry.createCounter({ name: 'p_total', help, labelNames: ['a', 'b'] });
          const histogram = registry.createHistogram({
            name: 'p_seconds',
            help,
            labelNames: ['a'],
            buckets: [10, 100],
          });
          const expected = new Map<string, number>();
          for (const [a, b, amount] of entries) {
            counter.labels(a, b).inc(amount);
            histogram.labels(a).observe(amount);
            const key = JSON.stringify([a, b]);
            expected.set(key, (expected.get(key) ?? 0) + amount);
          }
          const families = parseExposition(registry.render());
          const counted = families.get('p_total')!;
          // Prometheus skips blanks between the name and the help text, as the parser does.
          expect(counted.help).toBe(help.replace(/^[ \t]+/, ''));
          expect(counted.type).toBe('counter');
          const actual = new Map(
            counted.samples.map((sample) => [
              JSON.stringify([sample.labels['a'], sample.labels['b']]),
              Number(sample.value),
            ]),
          );
          expect(actual).toEqual(expected);
          expect(families.get('p_seconds')!.type).toBe('histogram');
        },
      ),
      { numRuns: 300 },
    );
  });
});
