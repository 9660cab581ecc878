import { strict as assert } from 'node:assert';

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Metric and label names are fixed in code, so a bad one is a bug: it fails at
 * registration (start-up), never at scrape time, where Prometheus would reject
 * the whole page.
 */
export function assertMetricName(name: string): void {
  assert(metricNamePattern.test(name), `metric name ${JSON.stringify(name)} is not [a-zA-Z_:][a-zA-Z0-9_:]*`);
}

/** Label names: valid, unique, not `__`-prefixed (reserved by Prometheus) and not one of `reserved` (`le`). */
export function assertLabelNames(labelNames: readonly string[], reserved: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const labelName of labelNames) {
    assert(labelNamePattern.test(labelName), `label name ${JSON.stringify(labelName)} is not [a-zA-Z_][a-zA-Z0-9_]*`);
    assert(!labelName.startsWith('__'), `label name ${labelName} is reserved (starts with __)`);
    assert(!reserved.includes(labelName), `label name ${labelName} is reserved for this metric type`);
    assert(!seen.has(labelName), `label name ${labelName} is declared twice`);
    seen.add(labelName);
  }
}
