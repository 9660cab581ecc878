/** One hold with the count and sum of its postings per kind, and how many touch another org's accounts. */
export interface HoldPostings {
  readonly request_id: string;
  readonly status: string;
  readonly amount: bigint;
  readonly charged_nanos: bigint | null;
  readonly holds: bigint;
  readonly held: bigint;
  readonly charges: bigint;
  readonly charged: bigint;
  readonly releases: bigint;
  readonly released: bigint;
  readonly top_ups: bigint;
  readonly topped_up: bigint;
  readonly expires: bigint;
  readonly expired: bigint;
  readonly foreign_legs: bigint;
}

/** The failures of one hold's postings against its status; empty when it resolved exactly once. */
export function findHoldFailures(row: HoldPostings): string[] {
  const hold = `hold ${row.request_id} (${row.status}, ${row.amount})`;
  const failures: string[] = [];
  // A free request holds 0, with no posting to hold or expire it.
  const postingsPerStep = row.amount > 0n ? 1n : 0n;
  if (row.holds !== postingsPerStep || row.held !== row.amount) {
    failures.push(`${hold} has ${row.holds} hold posting(s) of ${row.held}`);
  }
  if (row.foreign_legs > 0n) failures.push(`${hold} has ${row.foreign_legs} posting(s) on another org's accounts`);
  const resolutions = row.charges + row.releases + row.expires;
  if (row.status !== 'posted' && row.top_ups > 0n) failures.push(`${hold} is ${row.status} but was topped up`);
  if (row.status === 'active' && resolutions > 0n)
    failures.push(`${hold} is active but has ${resolutions} resolution posting(s)`);
  if (row.status === 'posted') {
    if (row.expires > 0n || row.charges > 1n || row.releases > 1n) {
      failures.push(`${hold} has ${row.charges} charge(s), ${row.releases} release(s), ${row.expires} expire(s)`);
    }
    if (row.top_ups > 1n) failures.push(`${hold} has ${row.top_ups} top-ups`);
    if (row.charged + row.released !== row.amount + row.topped_up) {
      failures.push(`${hold} charged ${row.charged} + released ${row.released} ≠ its amount + top-up ${row.topped_up}`);
    }
    if (row.charged_nanos !== row.charged)
      failures.push(`${hold} records charge ${row.charged_nanos}, postings ${row.charged}`);
  }
  if (
    row.status === 'expired' &&
    (row.charges + row.releases > 0n || row.expires !== postingsPerStep || row.expired !== row.amount)
  ) {
    failures.push(
      `${hold} has ${row.expires} expire(s) of ${row.expired}, ${row.charges} charge(s), ${row.releases} release(s)`,
    );
  }
  return failures;
}
