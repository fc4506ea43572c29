// Command-line usage: unknown commands and flags, missing and extra arguments, values that are not numbers,
// visibility queries the server rejects, and campaigns or deployments in a state the command cannot act on.
import { evaluateArgv, type BadInputCase } from './corpus.ts';

const REVIEW = ['--reviewer', 'ana', '--reason', 'corpus'];

export const cliUsageCases: BadInputCase[] = [
  {
    name: 'unknown command',
    argv: ['frobnicate'],
    messages: ['unknown command "frobnicate"', 'fairshrink --help'],
  },
  { name: 'run without a file', argv: ['run'], messages: ['give exactly one campaign file'] },
  {
    name: 'run with two files',
    argv: ['run', '{dir}/campaign.yaml', '{dir}/data.yaml'],
    messages: ['give exactly one campaign file'],
  },
  {
    name: 'run with an unknown flag',
    argv: ['run', '{dir}/campaign.yaml', '--follow'],
    messages: ["Unknown option '--follow'", 'fairshrink run --help'],
  },
  {
    name: 'worker with both layouts',
    argv: ['worker', '--single-process', '--fork-compute'],
    messages: ['--single-process and --fork-compute: choose one worker layout'],
  },
  {
    name: 'worker --compute-processes 0',
    argv: ['worker', '--compute-processes', '0'],
    messages: ['--compute-processes 0: give a whole number >= 1'],
  },
  {
    name: 'worker --compute-processes two',
    argv: ['worker', '--compute-processes', 'two'],
    messages: ['--compute-processes two: give a whole number >= 1'],
  },
  {
    name: 'worker --compute-processes with --single-process',
    argv: ['worker', '--compute-processes', '2', '--single-process'],
    messages: ['--compute-processes and --single-process: compute processes are forked'],
  },
  {
    name: 'list --limit abc',
    argv: ['list', '--limit', 'abc'],
    messages: ['--limit must be a number, got "abc"', 'hint: e.g. --limit 20'],
  },
  { name: 'list --limit 0', argv: ['list', '--limit', '0'], messages: ['--limit must be a whole number ≥ 1'] },
  {
    name: 'list --limit in hex',
    argv: ['list', '--limit', '0x10'],
    messages: ['--limit must be a number, got "0x10"'],
  },
  { name: 'list --limit 2.5', argv: ['list', '--limit', '2.5'], messages: ['--limit must be a whole number ≥ 1'] },
  {
    name: "list --query 'garbage((('",
    argv: ['list', '--query', 'garbage((('],
    messages: ['the server rejected the query "garbage((("', 'string values need double quotes'],
  },
  {
    name: 'list --query on an attribute that does not exist',
    argv: ['list', '--query', 'Colour = "red"'],
    messages: ['the server rejected the query', 'Colour'],
  },
  {
    name: 'list with a positional argument',
    argv: ['list', 'adult-demo'],
    messages: ['unexpected argument "adult-demo"', 'CampaignId = "adult-demo"'],
  },
  {
    name: 'list --query without a value',
    argv: ['list', '--query'],
    messages: ["Option '-q, --query <value>' argument missing", 'fairshrink list --help'],
  },
  {
    name: 'watch --interval abc',
    argv: ['watch', 'corpus-1', '--interval', 'abc'],
    messages: ['--interval must be a number, got "abc"', 'e.g. --interval 1000'],
  },
  { name: 'watch without an id', argv: ['watch'], messages: ['watch needs a campaign id'] },
  {
    name: 'review without an action',
    argv: ['review', 'corpus-1', ...REVIEW],
    messages: ['review needs an action: approve, reject or adjust'],
  },
  {
    name: 'review with an unknown action',
    argv: ['review', 'corpus-1', 'accept', ...REVIEW],
    messages: ['unknown review action "accept"'],
  },
  {
    name: 'review without --reviewer',
    argv: ['review', 'corpus-1', 'approve', '--reason', 'corpus'],
    messages: ['review needs --reviewer'],
  },
  {
    name: 'review approve with --sparsity',
    argv: ['review', 'corpus-1', 'approve', ...REVIEW, '--sparsity', '0.5'],
    messages: ['--sparsity and --epsilon go with adjust, not approve'],
  },
  {
    name: 'review adjust --sparsity half',
    argv: ['review', 'corpus-1', 'adjust', ...REVIEW, '--sparsity', 'half'],
    messages: ['--sparsity must be a number, got "half"', 'e.g. --sparsity 0.6'],
  },
  {
    name: 'review of a campaign that has completed',
    argv: ['review', '{aborted}', 'approve', ...REVIEW],
    messages: ['campaign {aborted} is completed; there is nothing to review', 'fairshrink status {aborted}'],
  },
  {
    name: 'abort without --reason',
    argv: ['abort', 'corpus-1'],
    messages: ['abort needs --reason', '--reason "wrong data set"'],
  },
  {
    name: 'resume with --reason',
    argv: ['resume', 'corpus-1', '--reason', 'x'],
    messages: ['resume takes no --reason'],
  },
  {
    name: 'status of a campaign that does not exist',
    argv: ['status', 'no-such-campaign-corpus'],
    messages: ['no campaign "no-such-campaign-corpus"', 'fairshrink list'],
  },
  {
    name: 'report of a campaign that does not exist',
    argv: ['report', 'no-such-campaign', '--out', '{dir}/report.html'],
    messages: ['no campaign "no-such-campaign"', 'check the id with `fairshrink list`'],
  },
  {
    name: 'promote of an aborted campaign',
    argv: ['promote', '{aborted}', '--name', 'corpus-dep'],
    messages: ['campaign {aborted} ended aborted', 'only a completed or stopped campaign can be promoted'],
  },
  {
    name: 'promote of a running campaign',
    argv: ['promote', '{running}', '--name', 'corpus-dep'],
    messages: ['campaign {running} is running: only a finished campaign can be promoted', 'fairshrink watch'],
  },
  {
    name: 'promote without --name',
    argv: ['promote', 'corpus-1'],
    messages: ['promote needs --name <deployment>', '--name credit-scoring'],
  },
  {
    name: 'promote --model middle',
    argv: ['promote', 'corpus-1', '--name', 'corpus-dep', '--model', 'middle'],
    messages: ['--model must be final or baseline, got "middle"'],
  },
  {
    name: 'monitor with an unknown subcommand',
    argv: ['monitor', 'inspect', 'corpus-dep'],
    messages: ['unknown monitor subcommand "inspect"', 'add-batch, run, schedule'],
  },
  {
    name: 'monitor schedule every second',
    argv: ['monitor', 'schedule', 'corpus-dep', '--every', '1s'],
    messages: ['--every "1s": give a duration of at least 10s', 'e.g. --every 1d'],
  },
  {
    name: 'monitor run --policy maybe',
    argv: ['monitor', 'run', 'corpus-dep', '--policy', 'maybe'],
    messages: ['--policy must be rollback or alert, got "maybe"'],
  },
  {
    name: 'monitor run --psi zero',
    argv: ['monitor', 'run', 'corpus-dep', '--psi', '0'],
    messages: ['--psi must be a positive number, got "0"'],
  },
  {
    name: 'monitor add-batch without a file',
    argv: ['monitor', 'add-batch', 'corpus-dep'],
    messages: ['add-batch needs one CSV file'],
  },
  {
    name: 'monitor status of a deployment that does not exist',
    argv: ['monitor', 'status', 'no-such-deployment'],
    messages: ['no-such-deployment', 'fairshrink promote <campaignId> --name no-such-deployment'],
  },
  {
    name: 'monitor unschedule of a deployment without a schedule',
    argv: ['monitor', 'unschedule', '{deployment}'],
    messages: ['deployment {deployment} has no schedule', 'fairshrink monitor schedule {deployment} --every 1d'],
  },
  { name: 'history without an id', argv: ['history'], messages: ['history needs a campaign id'] },
  {
    name: 'replay of a file that does not exist',
    argv: ['replay', '{dir}/missing.history.json'],
    messages: ['missing.history.json'],
  },
  {
    name: 'replay of a file that is not a history',
    argv: ['replay', '{dir}/data.yaml'],
    messages: ['data.yaml'],
  },
  {
    name: 'audit verify of a folder that is not a bundle',
    argv: ['audit', 'verify', '{dir}'],
    messages: ['MANIFEST.json'],
  },
  {
    name: 'evaluate with an unknown flag',
    argv: [...evaluateArgv(), '--bootstraps', '5'],
    messages: ['unknown flag --bootstraps', 'Fix: see fairshrink evaluate --help'],
  },
  {
    name: 'evaluate without --data',
    argv: evaluateArgv({ data: null }),
    messages: ['missing --data', 'Fix: see the example'],
  },
];
