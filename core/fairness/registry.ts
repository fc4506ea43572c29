// Custom metrics plug in here without touching core code: a name, a function of a group's sufficient
// statistics, and a zod schema for its parameters. Registered metrics get per-group values, overall
// values, generic disparities (<name>_difference, _ratio, ...) and bootstrap CIs like built-in ones.
// Types only: the engine runs no zod code of its own (a metric's schema parses its parameters), so `evaluate` does
// not load zod at start-up.
import type { z } from 'zod';
import type { Estimate } from './estimate.ts';
import { GROUP_METRICS } from './metrics.ts';
import type { GroupStats } from './stats.ts';

export interface CustomMetricDefinition<P extends z.ZodType = z.ZodType> {
  /** snake_case name, distinct from the built-in metrics. */
  name: string;
  description: string;
  params: P;
  /** Must be a pure function of the statistics (it runs once per group per bootstrap resample). */
  compute(stats: GroupStats, params: z.output<P>): Estimate;
}

/** A custom metric chosen for one evaluation, with parsed parameters. */
export interface ResolvedCustomMetric {
  /** Key in the report (defaults to the metric's name). */
  key: string;
  compute(stats: GroupStats): Estimate;
}

export interface CustomMetricRequest {
  name: string;
  /** Report key when the same metric is used twice with different parameters (e.g. f2_score). */
  key?: string;
  params?: unknown;
}

const NAME = /^[a-z][a-z0-9_]*$/;

export class MetricRegistry {
  private readonly metrics = new Map<string, CustomMetricDefinition>();

  register<P extends z.ZodType>(definition: CustomMetricDefinition<P>): void {
    const { name } = definition;
    if (!NAME.test(name)) throw new Error(`custom metric name "${name}" must be snake_case (${NAME.source})`);
    if ((GROUP_METRICS as readonly string[]).includes(name)) {
      throw new Error(`custom metric "${name}" clashes with a built-in metric; choose another name`);
    }
    if (this.metrics.has(name)) throw new Error(`custom metric "${name}" is already registered`);
    this.metrics.set(name, definition as unknown as CustomMetricDefinition);
  }

  unregister(name: string): boolean {
    return this.metrics.delete(name);
  }

  has(name: string): boolean {
    return this.metrics.has(name);
  }

  names(): string[] {
    return [...this.metrics.keys()].sort();
  }

  /** Parses each request's parameters with the metric's schema; errors name the metric and the bad field. */
  resolve(requests: readonly CustomMetricRequest[]): ResolvedCustomMetric[] {
    const keys = new Set<string>();
    return requests.map((request) => {
      const definition = this.metrics.get(request.name);
      if (definition === undefined) {
        const known = this.names();
        throw new Error(
          `unknown custom metric "${request.name}"; registered: ${known.length > 0 ? known.join(', ') : '(none)'}`,
        );
      }
      const parsed = definition.params.safeParse(request.params ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${['params', ...i.path].join('.')}: ${i.message}`).join('; ');
        throw new Error(`custom metric "${request.name}": ${issues}`);
      }
      const key = request.key ?? request.name;
      if (!NAME.test(key)) throw new Error(`custom metric key "${key}" must be snake_case`);
      if (keys.has(key) || (GROUP_METRICS as readonly string[]).includes(key)) {
        throw new Error(`custom metric key "${key}" is used twice; give one a different key`);
      }
      keys.add(key);
      const params: unknown = parsed.data;
      return { key, compute: (stats: GroupStats) => definition.compute(stats, params) };
    });
  }
}

/** The process-wide registry the CLI and activities use. */
export const metricRegistry = new MetricRegistry();
