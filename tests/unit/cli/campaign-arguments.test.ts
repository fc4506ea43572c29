// Argument parsing of the campaign commands and the pure parts of history, list and audit.
import { describe, expect, it } from 'vitest';
import { checkpointEntry, checkpointSumsText, refsInHistory } from '../../../core/audit/index.ts';
import { parseReviewArguments } from '../../../cli/commands/control.ts';
import { parseHistoryFile } from '../../../cli/commands/history.ts';
import { campaignListQuery } from '../../../cli/commands/list.ts';
import { parseWatchArguments } from '../../../cli/commands/watch.ts';
import { UsageError } from '../../../cli/io.ts';

const sha = (c: string) => c.repeat(64);

describe('review arguments', () => {
  it('builds the Update input, with sparsity and epsilon only for adjust', () => {
    expect(parseReviewArguments(['c1', 'approve', '--reviewer', 'ana', '--reason', 'ok'])).toEqual({
      campaignId: 'c1',
      review: { reviewer: 'ana', reason: 'ok', action: 'approve' },
      json: false,
    });
    expect(
      parseReviewArguments([
        'c1',
        'adjust',
        '--reviewer',
        'ana',
        '--reason',
        'r',
        '--sparsity',
        '0.6',
        '--epsilon',
        '0.02',
        '--json',
      ]),
    ).toEqual({
      campaignId: 'c1',
      review: { reviewer: 'ana', reason: 'r', action: 'adjust', sparsity: 0.6, epsilon: 0.02 },
      json: true,
    });
    expect(parseReviewArguments(['--help'])).toBe('help');
  });

  it('leaves range checks to the workflow validator', () => {
    const parsed = parseReviewArguments(['c1', 'adjust', '--reviewer', 'a', '--reason', 'r', '--sparsity', '1.5']);
    expect(parsed !== 'help' && parsed.review.sparsity).toBe(1.5);
  });

  it.each([
    [[], /review needs a campaign id/],
    [['c1'], /review needs an action: approve, reject or adjust/],
    [['c1', 'maybe'], /unknown review action "maybe"/],
    [['c1', 'approve', '--reason', 'r'], /review needs --reviewer/],
    [['c1', 'approve', '--reviewer', 'a'], /review needs --reason/],
    [['c1', 'reject', '--reviewer', 'a', '--reason', 'r', '--epsilon', '0.1'], /go with adjust, not reject/],
    [['c1', 'adjust', '--reviewer', 'a', '--reason', 'r', '--sparsity', 'half'], /--sparsity must be a number/],
    [['c1', 'approve', '--reviewer', 'a', '--reason', 'r', '--force'], /Unknown option '--force'/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseReviewArguments(argv)).toThrow(UsageError);
    expect(() => parseReviewArguments(argv)).toThrow(message);
  });
});

describe('watch arguments', () => {
  it('defaults to a 1 s poll and bounds --interval', () => {
    expect(parseWatchArguments(['c1'])).toEqual({ campaignId: 'c1', intervalMs: 1000, json: false });
    expect(parseWatchArguments(['c1', '--interval', '250', '--json'])).toEqual({
      campaignId: 'c1',
      intervalMs: 250,
      json: true,
    });
    expect(() => parseWatchArguments(['c1', '--interval', '10'])).toThrow(/between 50 and 60000/);
    expect(() => parseWatchArguments([])).toThrow(/watch needs a campaign id/);
  });
});

describe('list query', () => {
  it('always restricts to campaigns and keeps the user query together', () => {
    expect(campaignListQuery(undefined)).toBe('WorkflowType = "compressionCampaign"');
    expect(campaignListQuery('  ')).toBe('WorkflowType = "compressionCampaign"');
    expect(campaignListQuery('GateStatus = "fail" OR Sparsity > 0.5')).toBe(
      'WorkflowType = "compressionCampaign" AND (GateStatus = "fail" OR Sparsity > 0.5)',
    );
  });
});

describe('history files', () => {
  it('accepts the wrapped and the bare format', () => {
    const history = { events: [{ eventId: '1' }] };
    expect(parseHistoryFile(JSON.stringify({ workflowId: 'c1', history }), 'f')).toEqual({ workflowId: 'c1', history });
    expect(parseHistoryFile(JSON.stringify(history), 'f')).toEqual({ workflowId: undefined, history });
  });
  it('names what is wrong with anything else', () => {
    expect(() => parseHistoryFile('{', 'f.json')).toThrow(/f\.json is not JSON/);
    expect(() => parseHistoryFile('{"workflowId":"c1","history":{}}', 'f.json')).toThrow(/no "events" list/);
  });
});

describe('audit helpers', () => {
  const ref = (key: string, c: string, bytes = 10) => ({ uri: `s3://b/campaigns/c1/${key}`, sha256: sha(c), bytes });
  const checkpoint = {
    stepKey: 'milestone-1/attempt-0/finetune',
    modelJson: ref('m/model.json', 'a'),
    weightsBin: ref('m/weights.bin', 'b'),
    masks: ref('m/masks.bin', 'c'),
    sparsity: 0.3,
    parameters: 100,
    nonzeros: 70,
  };

  it('lists checkpoint files by role and as campaign-id free sha256 lines', () => {
    const entry = checkpointEntry(checkpoint, true);
    expect(entry.files.map((f) => f.role)).toEqual(['modelJson', 'weightsBin', 'masks']);
    expect(checkpointSumsText({ campaignId: 'c1', checkpoints: [entry] })).toBe(
      `${sha('a')}  milestone-1/attempt-0/finetune/modelJson\n${sha('b')}  milestone-1/attempt-0/finetune/weightsBin\n${sha('c')}  milestone-1/attempt-0/finetune/masks\n`,
    );
  });

  it('finds the refs inside the JSON payloads of a history', () => {
    const payload = (value: unknown) => ({
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from(JSON.stringify(value)).toString('base64'),
    });
    const history = {
      events: [
        { activityTaskCompletedEventAttributes: { result: { payloads: [payload({ checkpoint })] } } },
        { activityTaskCompletedEventAttributes: { result: { payloads: [{ metadata: {}, data: 'AAEC' }] } } },
      ],
    };
    const refs = refsInHistory(history);
    expect([...refs.keys()].sort()).toEqual(
      [checkpoint.masks.uri, checkpoint.modelJson.uri, checkpoint.weightsBin.uri].sort(),
    );
    expect(refs.get(checkpoint.weightsBin.uri)?.sha256).toBe(sha('b'));
  });
});
