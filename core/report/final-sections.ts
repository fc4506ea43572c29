// The two parts of the campaign report that describe what a campaign ends with rather than a step along the way:
// the shipped artifact (bytes on disk and measured latency per export format, from export/sizes.json and
// export/latency.json) and the held-out verdict (the final model on the split no gate saw, from held-out/).
import type { SizesFile, ExportLatencyFile } from '../campaign/export.ts';
import type { DecisionEntry, MetricSummary } from '../campaign/contracts.ts';
import type { GateDecision } from '../fairness/gate.ts';
import type { LatencyMeasurement } from '../export/latency.ts';

/** One export format as stored: bytes and gzip bytes on disk, and the latency measured when it was re-loaded. */
export interface ShippedFormat {
  format: string;
  shipped: boolean;
  bytes: number;
  gzipBytes: number;
  ratioVsDense: number;
  /** max |p − p_shipped| on the evaluated split, each format re-loaded from S3. */
  maxAbsPredictionDifference: number;
  latency: LatencyMeasurement | null;
}

export interface ShippedSection {
  shipped: string;
  dense: { bytes: number; gzipBytes: number; latency: LatencyMeasurement | null };
  formats: ShippedFormat[];
  /** Backend and split the latency was measured on; null when latency.json is missing. */
  latencyBackend: string | null;
  latencySplit: string | null;
  sources: string[];
}

export interface HeldOutSection {
  split: string;
  /** The model judged (the shipped export's step key, or the final checkpoint's). */
  checkpoint: string | null;
  status: GateDecision['status'];
  reason: string;
  rows: number;
  summary: MetricSummary | null;
  constraints: GateDecision['constraints'];
  sources: string[];
}

interface FinalSectionsStore {
  read<T>(key: string): Promise<T | undefined>;
}

interface ReportFile {
  rows: number;
}

interface HeldOutLineage {
  heldOut?: { split: string; checkpoint: string };
}

/** Reads export/sizes.json and export/latency.json under the campaign folder; null before the export step wrote them. */
export async function readShippedSection(store: FinalSectionsStore, notes: string[]): Promise<ShippedSection | null> {
  const sizes = await store.read<SizesFile>('export/sizes.json');
  if (sizes === undefined) return null;
  const latencyFile = await store.read<ExportLatencyFile>('export/latency.json');
  if (latencyFile === undefined) notes.push('export/latency.json is missing: the exports are shown without latency');
  const latencyOf = (name: string): LatencyMeasurement | null => latencyFile?.latency[name] ?? null;
  return {
    shipped: sizes.shipped,
    dense: { bytes: sizes.dense.bytes, gzipBytes: sizes.dense.gzipBytes, latency: latencyOf('dense') },
    formats: sizes.formats.map((f) => ({
      format: f.format,
      shipped: f.format === sizes.shipped,
      bytes: f.bytes,
      gzipBytes: f.gzipBytes,
      ratioVsDense: f.ratioVsDense,
      maxAbsPredictionDifference: f.maxAbsPredictionDifference,
      latency: latencyOf(f.format),
    })),
    latencyBackend: latencyFile?.backend ?? null,
    latencySplit: latencyFile?.split ?? null,
    sources: ['export/sizes.json', ...(latencyFile === undefined ? [] : ['export/latency.json'])],
  };
}

/**
 * Reads held-out/gate/gate.json (the verdict), held-out/evaluate/report.json (its rows), the lineage's held-out
 * record and the decision log's `held-out` entry; null when the campaign has no held-out verdict (yet).
 */
export async function readHeldOutSection(
  store: FinalSectionsStore,
  decisions: DecisionEntry[],
  lineage: HeldOutLineage | null,
): Promise<HeldOutSection | null> {
  const gate = await store.read<{ decision: GateDecision }>('held-out/gate/gate.json');
  if (gate === undefined) return null;
  const report = await store.read<ReportFile>('held-out/evaluate/report.json');
  const logged = [...decisions].reverse().find((d) => d.kind === 'held-out');
  return {
    split: lineage?.heldOut?.split ?? 'test',
    checkpoint: lineage?.heldOut?.checkpoint ?? logged?.checkpoint?.stepKey ?? null,
    status: gate.decision.status,
    reason: gate.decision.reason,
    rows: report?.rows ?? 0,
    summary: logged?.summary ?? null,
    constraints: gate.decision.constraints,
    sources: ['held-out/gate/gate.json', ...(report === undefined ? [] : ['held-out/evaluate/report.json'])],
  };
}
