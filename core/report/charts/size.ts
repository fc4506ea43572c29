// Size, cost and latency: deployed bytes per format, FLOPs per prediction and measured latency, by step.
import type { SizeSummary } from '../../campaign/contracts.ts';
import type { CampaignData, EvaluatedStep } from '../campaign-data.ts';
import { type ChartDefinition, OKABE_ITO, formatNumber } from './format.ts';
import { BASE_CONFIG, HEIGHT, WIDTH } from './series.ts';

const SIZE_FORMATS: { key: keyof SizeSummary; label: string }[] = [
  { key: 'denseBytes', label: 'dense float32' },
  { key: 'sparseBytes', label: 'sparse (CSR)' },
  { key: 'int8Bytes', label: 'int8' },
];

/**
 * Deployed size by step (dense float32, CSR, int8 bytes), FLOPs per prediction, and the measured inference latency per
 * 1,000 rows (latency.json, when the evaluate step wrote it).
 */
export function sizeCharts(data: CampaignData): ChartDefinition[] {
  const sized = data.steps.filter((s) => s.size !== null);
  const sizeRows = sized.flatMap((s) =>
    SIZE_FORMATS.map((f) => ({ step: s.label, stepKey: s.stepKey, format: f.label, bytes: s.size![f.key] })),
  );
  const order = sized.map((s) => s.label);
  const formats = SIZE_FORMATS.map((f) => f.label);
  const sizeTitle = 'Model size by step';
  const sizeDescription =
    'Bytes of each evaluated model stored dense (float32), sparse (CSR) and as int8, at every step.';
  const flopsTitle = 'FLOPs per prediction by step';
  const flopsDescription = 'Floating-point operations of one forward pass (non-zero weights only) at every step.';
  const timed = data.steps.filter((s) => s.latency);
  const unmeasured =
    timed.length === 0
      ? 'No step of this campaign has a latency measurement (latency.json, written by the evaluate step since latency was added), so cost is shown as size and FLOPs only.'
      : undefined;
  const charts: ChartDefinition[] = [
    {
      id: 'model-size',
      title: sizeTitle,
      description: sizeDescription,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: sizeTitle,
        description: sizeDescription,
        width: WIDTH,
        height: HEIGHT,
        data: { values: sizeRows },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'step', type: 'ordinal', sort: order, title: 'step', axis: { labelAngle: 0 } },
          xOffset: { field: 'format', type: 'nominal', sort: formats },
          // From zero with a nice top, so the tallest bar (often the dense baseline's CSR) stays inside the plot.
          y: { field: 'bytes', type: 'quantitative', title: 'bytes', scale: { zero: true, nice: true, clamp: false } },
          color: {
            field: 'format',
            type: 'nominal',
            title: 'format',
            sort: formats,
            scale: { domain: formats, range: OKABE_ITO.slice(0, 3) },
          },
          tooltip: [{ field: 'stepKey', title: 'step' }, { field: 'format' }, { field: 'bytes', format: ',' }],
        },
        config: BASE_CONFIG,
      },
      table: {
        caption: `${sizeTitle}: bytes per format`,
        columns: ['step', 'parameters', 'non-zeros', ...formats],
        rows: sized.map((s) => [
          s.stepKey,
          String(s.size!.parameters),
          String(s.size!.nonzeros),
          ...SIZE_FORMATS.map((f) => String(s.size![f.key])),
        ]),
      },
      ...(unmeasured === undefined ? {} : { note: unmeasured }),
    },
    {
      id: 'flops',
      title: flopsTitle,
      description: flopsDescription,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: flopsTitle,
        description: flopsDescription,
        width: WIDTH,
        height: HEIGHT,
        data: { values: sized.map((s) => ({ step: s.label, stepKey: s.stepKey, flops: s.size!.flops })) },
        mark: { type: 'bar', color: OKABE_ITO[0] },
        encoding: {
          x: { field: 'step', type: 'ordinal', sort: order, title: 'step', axis: { labelAngle: 0 } },
          y: { field: 'flops', type: 'quantitative', title: 'FLOPs per prediction' },
          tooltip: [
            { field: 'stepKey', title: 'step' },
            { field: 'flops', format: ',' },
          ],
        },
        config: BASE_CONFIG,
      },
      table: {
        caption: `${flopsTitle}`,
        columns: ['step', 'FLOPs'],
        rows: sized.map((s) => [s.stepKey, String(s.size!.flops)]),
      },
    },
  ];
  if (timed.length > 0) charts.push(latencyChart(data, timed));
  return charts;
}

/** Measured inference latency per 1,000 rows by step (wall-clock; from each evaluate step's latency.json). */
function latencyChart(data: CampaignData, timed: EvaluatedStep[]): ChartDefinition {
  const title = 'Inference latency per 1,000 rows by step';
  const description =
    'Measured wall-clock time to predict 1,000 rows with each evaluated model (median of the timed calls in its evaluate step), at every step; rejected attempts are faded.';
  const order = timed.map((s) => s.label);
  const values = timed.map((s) => ({
    step: s.label,
    stepKey: s.stepKey,
    ms: s.latency!.msPer1000Rows,
    forward: s.latency!.forward,
    calls: s.latency!.repeats,
    rows: s.latency!.rowsPerCall,
    outcome: s.outcome,
  }));
  const missing = data.steps.filter((s) => !s.latency).map((s) => s.stepKey);
  return {
    id: 'latency',
    title,
    description,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title,
      description,
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: 'bar', color: OKABE_ITO[2] },
      encoding: {
        x: { field: 'step', type: 'ordinal', sort: order, title: 'step', axis: { labelAngle: 0 } },
        y: { field: 'ms', type: 'quantitative', title: 'ms per 1,000 rows' },
        opacity: { condition: { test: "datum.outcome === 'rejected'", value: 0.4 }, value: 1 },
        tooltip: [
          { field: 'stepKey', title: 'step' },
          { field: 'ms', format: '.3f', title: 'ms per 1,000 rows' },
          { field: 'forward', title: 'forward pass' },
          { field: 'calls', title: 'timed calls' },
          { field: 'rows', title: 'rows per call' },
          { field: 'outcome' },
        ],
      },
      config: BASE_CONFIG,
    },
    table: {
      caption: `${title}: median wall-clock milliseconds`,
      columns: ['step', 'ms per 1,000 rows', 'rows per call', 'timed calls', 'forward pass', 'backend', 'outcome'],
      rows: timed.map((s) => [
        s.stepKey,
        formatNumber(s.latency!.msPer1000Rows, 3),
        String(s.latency!.rowsPerCall),
        String(s.latency!.repeats),
        s.latency!.forward,
        s.latency!.backend,
        s.outcome,
      ]),
    },
    note:
      'Wall-clock time on the worker that ran each evaluate step, after one warm-up call: it varies between runs and machines (and with other load), so compare steps of one campaign, not campaigns. It is never used by a gate.' +
      (timed.some((s) => s.kind === 'quantize')
        ? ' The quantized model runs as fake-quant float32 (int8 evaluation is simulated), so its latency shows no int8 speed-up.'
        : '') +
      (missing.length > 0 ? ` Not measured for ${missing.join(', ')}.` : ''),
  };
}
