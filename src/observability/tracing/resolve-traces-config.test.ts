import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/index.js';
import { resolveTracesConfig } from './resolve-traces-config.js';
import type { TracesFileConfig } from './resolve-traces-config.js';

const unset: TracesFileConfig = { otlpEndpoint: undefined, serviceName: undefined, sampleRatio: undefined };
const file: TracesFileConfig = {
  otlpEndpoint: 'http://collector:4318/v1/traces',
  serviceName: 'gateway-eu',
  sampleRatio: 0.25,
};

describe('resolveTracesConfig', () => {
  it.each([
    ['nothing configured: off', unset, {}, undefined],
    [
      'the config file alone',
      file,
      {},
      { otlpEndpoint: 'http://collector:4318/v1/traces', serviceName: 'gateway-eu', sampleRatio: 0.25 },
    ],
    [
      'the file wins over the environment',
      file,
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/v1/traces', OTEL_SERVICE_NAME: 'other' },
      { otlpEndpoint: 'http://collector:4318/v1/traces', serviceName: 'gateway-eu', sampleRatio: 0.25 },
    ],
    [
      'the traces variable, defaults for the rest',
      unset,
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example:4318/v1/traces' },
      { otlpEndpoint: 'https://otel.example:4318/v1/traces', serviceName: 'meridian', sampleRatio: 1 },
    ],
    [
      'the generic variable gets /v1/traces appended; OTEL_SERVICE_NAME names the service',
      unset,
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'edge' },
      { otlpEndpoint: 'http://collector:4318/v1/traces', serviceName: 'edge', sampleRatio: 1 },
    ],
    [
      'the traces variable wins over the generic one',
      unset,
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/v1/traces' },
      { otlpEndpoint: 'http://b:4318/v1/traces', serviceName: 'meridian', sampleRatio: 1 },
    ],
    ['empty variables are unset', unset, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ' ', OTEL_SERVICE_NAME: '' }, undefined],
    ['OTEL_SDK_DISABLED=true turns even the file off', file, { OTEL_SDK_DISABLED: 'TRUE' }, undefined],
  ])('%s', (_name, fileConfig, env, expected) => {
    expect(resolveTracesConfig(fileConfig, env)).toEqual(expected);
  });

  it('refuses a variable that is not an http(s) URL, naming it', () => {
    const resolve = () => resolveTracesConfig(unset, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4317' });
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http:// or https:// URL');
  });
});
