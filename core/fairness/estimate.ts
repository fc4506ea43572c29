// A computed quantity that may be undefined, and why. Pure: no imports.
// fairshrink never turns an undefined metric into 0 or NaN silently (see docs/fairness.md).

/** A metric value, or undefined with a human-readable reason (e.g. "no positives (y = 1) in group"). */
export type Estimate = { value: number; reason?: undefined } | { value: undefined; reason: string };

export const defined = (value: number): Estimate => ({ value });
export const undefinedBecause = (reason: string): Estimate => ({ value: undefined, reason });

/**
 * num / den; when den is 0 the result is undefined with `reason`, or 0 in Fairlearn-compatibility mode
 * (scikit-learn's confusion-matrix normalisation turns 0/0 into 0, which Fairlearn reports as is).
 */
export function rate(num: number, den: number, reason: string, fairlearnCompat = false): Estimate {
  if (den > 0) return { value: num / den };
  return fairlearnCompat ? { value: 0, reason: undefined } : { value: undefined, reason };
}

/** Applies `fn` to defined inputs; otherwise passes the first reason on. */
export function combine(inputs: Estimate[], fn: (...values: number[]) => number): Estimate {
  for (const input of inputs) if (input.value === undefined) return input;
  // Two inputs is every caller in the bootstrap's hot path: no array of values, no spread call.
  const value =
    inputs.length === 2 ? fn(inputs[0]!.value!, inputs[1]!.value!) : fn(...inputs.map((input) => input.value!));
  return Number.isFinite(value) ? { value } : { value: undefined, reason: `not finite (${value})` };
}
