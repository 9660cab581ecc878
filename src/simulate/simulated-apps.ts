/** Every org `meridian simulate` creates has this prefix, so demo traffic can be told apart (and refused twice). */
export const simulatedOrgPrefix = 'sim-';

/**
 * What an app's calls look like. `agent`: coding agents resending a growing conversation every turn (long
 * prompts, mostly cache hits, tool calls); `support`: a customer-service agent answering around the clock;
 * `chat`: a chat front end; `roleplay`: long character prompts, short replies, in the evening; `batch`:
 * document processing without streaming.
 */
export type AppKind = 'agent' | 'support' | 'chat' | 'roleplay' | 'batch';

/** Hour-of-day activity in the app's users' local time, percent of the peak hour, index 0 = 00:00. */
export type DailyCurve = readonly number[];

// prettier-ignore
const workdayCurve: DailyCurve = [12, 8, 6, 6, 8, 14, 28, 52, 80, 95, 100, 98, 88, 94, 100, 98, 92, 80, 64, 55, 50, 42, 32, 20];
// prettier-ignore
const eveningCurve: DailyCurve = [70, 55, 35, 20, 12, 8, 8, 12, 18, 24, 30, 34, 38, 40, 42, 45, 50, 58, 70, 84, 95, 100, 96, 85];
// prettier-ignore
const aroundTheClockCurve: DailyCurve = [62, 58, 55, 55, 58, 64, 72, 82, 92, 98, 100, 100, 98, 98, 100, 100, 98, 94, 88, 82, 76, 72, 68, 65];

export interface SimulatedApp {
  /** `X-Title`; null when the app sends none (then the referer's host names it, or nothing does). */
  readonly title: string | null;
  readonly referer: string | null;
  readonly kind: AppKind;
  /** Share of requests, relative to the other apps. */
  readonly weight: number;
  readonly orgId: string;
  readonly orgName: string;
  /** Markup on upstream prices for this org, basis points. */
  readonly markupBasisPoints: number;
  /** Key names in the org; the first carries most of the traffic. */
  readonly keyNames: readonly string[];
  /** The users' UTC offset and daily curve, and Saturday/Sunday activity as percent of a weekday's. */
  readonly utcOffsetHours: number;
  readonly curve: DailyCurve;
  readonly weekendPercent: number;
}

/**
 * The demo's apps (fictional names on `.example` domains): coding agents carry most of the tokens, as reported
 * (programming went from 11 % to over 50 % of tokens); one org calls without any app header, so "others" shows.
 */
export const simulatedApps: readonly SimulatedApp[] = [
  {
    title: 'Forge Agent',
    referer: 'https://forgeagent.example/',
    kind: 'agent',
    weight: 24,
    orgId: 'sim-forge-labs',
    orgName: 'Forge Labs (simulated)',
    markupBasisPoints: 0,
    keyNames: ['forge-prod', 'forge-ci'],
    utcOffsetHours: -6,
    curve: workdayCurve,
    weekendPercent: 45,
  },
  {
    title: 'Loom Code',
    referer: 'https://loomcode.example/',
    kind: 'agent',
    weight: 18,
    orgId: 'sim-loom',
    orgName: 'Loom (simulated)',
    markupBasisPoints: 500,
    keyNames: ['loom-prod'],
    utcOffsetHours: 8,
    curve: workdayCurve,
    weekendPercent: 60,
  },
  {
    title: null,
    referer: 'https://relay-cli.example/',
    kind: 'agent',
    weight: 12,
    orgId: 'sim-relay',
    orgName: 'Relay (simulated)',
    markupBasisPoints: 0,
    keyNames: ['relay-default', 'relay-team'],
    utcOffsetHours: 1,
    curve: workdayCurve,
    weekendPercent: 40,
  },
  {
    title: 'Tessellate',
    referer: null,
    kind: 'agent',
    weight: 9,
    orgId: 'sim-tessellate',
    orgName: 'Tessellate (simulated)',
    markupBasisPoints: 1_000,
    keyNames: ['tess-agents', 'tess-eval'],
    utcOffsetHours: -5,
    curve: aroundTheClockCurve,
    weekendPercent: 85,
  },
  {
    title: 'Harbor Support',
    referer: 'https://harbor-support.example/',
    kind: 'support',
    weight: 8,
    orgId: 'sim-harbor',
    orgName: 'Harbor (simulated)',
    markupBasisPoints: 0,
    keyNames: ['harbor-bot'],
    utcOffsetHours: -5,
    curve: aroundTheClockCurve,
    weekendPercent: 90,
  },
  {
    title: 'Lantern Chat',
    referer: 'https://lantern.example/',
    kind: 'chat',
    weight: 8,
    orgId: 'sim-lantern',
    orgName: 'Lantern (simulated)',
    markupBasisPoints: 0,
    keyNames: ['lantern-web', 'lantern-mobile'],
    utcOffsetHours: -6,
    curve: workdayCurve,
    weekendPercent: 75,
  },
  {
    title: 'Moonrise Stories',
    referer: null,
    kind: 'roleplay',
    weight: 7,
    orgId: 'sim-moonrise',
    orgName: 'Moonrise (simulated)',
    markupBasisPoints: 0,
    keyNames: ['moonrise'],
    utcOffsetHours: -6,
    curve: eveningCurve,
    weekendPercent: 120,
  },
  {
    title: 'Inkwell Translate',
    referer: 'https://inkwell.example/',
    kind: 'batch',
    weight: 5,
    orgId: 'sim-inkwell',
    orgName: 'Inkwell (simulated)',
    markupBasisPoints: 0,
    keyNames: ['inkwell-batch'],
    utcOffsetHours: 8,
    curve: workdayCurve,
    weekendPercent: 30,
  },
  {
    title: 'Quarry Docs',
    referer: 'https://quarrydocs.example/',
    kind: 'batch',
    weight: 4,
    orgId: 'sim-quarry',
    orgName: 'Quarry (simulated)',
    markupBasisPoints: 0,
    keyNames: ['quarry-pipeline'],
    utcOffsetHours: 1,
    curve: workdayCurve,
    weekendPercent: 35,
  },
  {
    title: null,
    referer: null,
    kind: 'chat',
    weight: 5,
    orgId: 'sim-forge-labs',
    orgName: 'Forge Labs (simulated)',
    markupBasisPoints: 0,
    keyNames: ['forge-scripts'],
    utcOffsetHours: -6,
    curve: workdayCurve,
    weekendPercent: 20,
  },
];
