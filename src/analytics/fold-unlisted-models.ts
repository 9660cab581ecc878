/**
 * The label the public barometer shows for models outside the catalog. Every model id is a slug with a slash
 * (`vendor/model`, `<provider>/<model>` for passthrough), so this one can name no real model; and it is not "others",
 * the rankings' remainder below the top N.
 */
export const unlistedModelLabel = 'unlisted';

/**
 * Grouped sums by model with every model outside `listedModelIds` summed under {@link unlistedModelLabel}, column by
 * column; the sums as they are when `listedModelIds` is undefined (a keyed view). A passthrough model carries the
 * name its client typed (a fine-tune id, a customer's name), which the keyless barometer must not show.
 */
export function foldUnlistedModels(
  sums: ReadonlyMap<string, readonly bigint[]>,
  listedModelIds: ReadonlySet<string> | undefined,
): ReadonlyMap<string, readonly bigint[]> {
  if (listedModelIds === undefined) return sums;
  let folded: bigint[] | undefined;
  const result = new Map<string, readonly bigint[]>();
  for (const [key, values] of sums) {
    if (listedModelIds.has(key)) {
      result.set(key, values);
      continue;
    }
    folded = folded === undefined ? [...values] : folded.map((value, index) => value + (values[index] ?? 0n));
  }
  if (folded !== undefined) result.set(unlistedModelLabel, folded);
  return result;
}
