/** "Did you mean" hints: names that are probably misspellings of a configuration variable. */
import { VARIABLES, type EnvVariable } from './schema.js';

/** Prefixes of our variables; an unknown name with one of them that is close to a known name is a likely typo. */
const WATCHED_PREFIXES = ['MAX_', 'IB_', 'SIM_', 'SMTP_', 'MAIL_'];

/**
 * A warning for each name that is probably a misspelling of ours. The environment holds many unrelated
 * variables, so there (`prefixed`) only names with one of our prefixes are checked; every name in the env
 * file is, since that file is ours.
 */
export function nearMisses(names: string[], o: { prefixed: boolean }): string[] {
  const known = new Set<string>(VARIABLES);
  const warnings: string[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    const upper = name.toUpperCase();
    if (o.prefixed && !WATCHED_PREFIXES.some((p) => upper.startsWith(p))) continue;
    const match = closestVariable(upper);
    if (match === undefined) continue;
    const hint = match === upper ? 'names are case-sensitive' : 'it is ignored';
    warnings.push(`${name} is not a known variable; did you mean ${match}? (${hint})`);
  }
  return warnings;
}

function closestVariable(upper: string): EnvVariable | undefined {
  let best: { name: EnvVariable; distance: number } | undefined;
  for (const name of VARIABLES) {
    const distance = editDistance(upper, name);
    const allowed = Math.min(2, Math.floor(name.length / 4));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      const row = rows[i];
      if (row) row[j] = d;
    }
  }
  return at(a.length, b.length);
}
