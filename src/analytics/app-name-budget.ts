import { analyticsLimits } from './analytics-limits.js';
import { dayMs } from './civil-date.js';

/**
 * Decides whether a record's app keeps its name in the usage rollups. `X-Title` is client-chosen: without a bound, an
 * org sending a new title on every call (a conversation title, a request id, or on purpose with calls that cost
 * nothing, such as errors before output) would add rows to every rollup table per call and make each ranking by app
 * read and rank them all.
 */
export type AdmitApp = (orgId: string, app: string, finishedAtMs: number) => boolean;

/** Every app keeps its name (the rollups of tests and benchmarks, which compare with a brute-force recomputation). */
export const admitEveryApp: AdmitApp = () => true;

/**
 * An in-process bound on the distinct app names an org adds to the rollups per UTC day (of `finishedAtMs`): the first
 * {@link analyticsLimits.appNamesPerOrgDayMax} are kept, each as often as it comes again; a further name is refused
 * (its usage is then counted as unattributed, '', which rankings put in "others"). Unattributed usage is always
 * admitted. At most {@link analyticsLimits.appNameOrgDaysTrackedMax} org-days are remembered, the oldest forgotten
 * first, so its memory is bounded too; a forgotten org-day (or a restarted process, or another node) starts a new
 * budget, so the bound is per process and tracked org-day, not a global count.
 */
export function createAppNameBudget(
  bounds: { readonly namesMax: number; readonly orgDaysMax: number } = {
    namesMax: analyticsLimits.appNamesPerOrgDayMax,
    orgDaysMax: analyticsLimits.appNameOrgDaysTrackedMax,
  },
): AdmitApp {
  const namesByOrgDay = new Map<string, Set<string>>();
  return (orgId, app, finishedAtMs) => {
    if (app === '') return true;
    const orgDay = `${Math.floor(finishedAtMs / dayMs)}:${orgId}`;
    let names = namesByOrgDay.get(orgDay);
    if (names === undefined) {
      names = new Set();
      namesByOrgDay.set(orgDay, names);
      const oldest = namesByOrgDay.keys().next().value;
      if (namesByOrgDay.size > bounds.orgDaysMax && oldest !== undefined) namesByOrgDay.delete(oldest);
    }
    if (names.has(app)) return true;
    if (names.size >= bounds.namesMax) return false;
    names.add(app);
    return true;
  };
}
