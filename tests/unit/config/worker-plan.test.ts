import { describe, expect, it } from 'vitest';
import { computeProcessCount, processPlan, workerPlan } from '../../../workers/main.ts';

describe('worker task queues from the environment', () => {
  it('polls one queue for everything by default', () => {
    expect(workerPlan({})).toEqual({ queues: [{ taskQueue: 'fairshrink', workflows: true, concurrency: 1 }] });
  });

  it('adds a compute queue when one is named', () => {
    expect(workerPlan({ FAIRSHRINK_COMPUTE_TASK_QUEUE: 'gpu', FAIRSHRINK_ACTIVITY_CONCURRENCY: '2' }).queues).toEqual([
      { taskQueue: 'fairshrink', workflows: true, concurrency: 2 },
      { taskQueue: 'gpu', workflows: false, concurrency: 2 },
    ]);
  });

  it('runs compute only on a compute host', () => {
    expect(workerPlan({ FAIRSHRINK_COMPUTE_TASK_QUEUE: 'gpu', FAIRSHRINK_WORKER_ROLES: 'compute' }).queues).toEqual([
      { taskQueue: 'gpu', workflows: false, concurrency: 1 },
    ]);
  });

  it('names the variable and the fix for bad values', () => {
    expect(() => workerPlan({ FAIRSHRINK_WORKER_ROLES: 'trainer' })).toThrow(
      /FAIRSHRINK_WORKER_ROLES: unknown role "trainer"; use all, workflows or compute/,
    );
    expect(() => workerPlan({ FAIRSHRINK_ACTIVITY_CONCURRENCY: '0' })).toThrow(
      /FAIRSHRINK_ACTIVITY_CONCURRENCY="0" must be a whole number >= 1/,
    );
  });
});

describe('compute processes to fork', () => {
  it('takes the flag over the environment, and one by default', () => {
    expect(computeProcessCount({})).toBe(1);
    expect(computeProcessCount({ FAIRSHRINK_COMPUTE_PROCESSES: '3' })).toBe(3);
    expect(computeProcessCount({ FAIRSHRINK_COMPUTE_PROCESSES: '3' }, 2)).toBe(2);
  });

  it('names the variable or flag and the fix for bad values', () => {
    expect(() => computeProcessCount({ FAIRSHRINK_COMPUTE_PROCESSES: 'two' })).toThrow(
      /FAIRSHRINK_COMPUTE_PROCESSES="two" must be a whole number >= 1/,
    );
    expect(() => computeProcessCount({}, 0)).toThrow(/--compute-processes 0: give a whole number >= 1/);
  });
});

describe('which process polls what', () => {
  const role = (taskQueue: string, workflows: boolean, activityTasks: boolean) => ({
    taskQueue,
    workflows,
    activityTasks,
    concurrency: 1,
  });

  it('forked: workflow tasks here, every activity task in the compute process, each served once', () => {
    expect(processPlan(workerPlan({}), 'forked')).toEqual({
      main: [role('fairshrink', true, false)],
      compute: [role('fairshrink', false, true)],
    });
  });

  it('forked with a compute queue: the compute process polls both queues for activities', () => {
    expect(processPlan(workerPlan({ FAIRSHRINK_COMPUTE_TASK_QUEUE: 'gpu' }), 'forked')).toEqual({
      main: [role('fairshrink', true, false)],
      compute: [role('fairshrink', false, true), role('gpu', false, true)],
    });
  });

  it('single process: everything here, as before', () => {
    expect(processPlan(workerPlan({ FAIRSHRINK_COMPUTE_TASK_QUEUE: 'gpu' }), 'single-process')).toEqual({
      main: [role('fairshrink', true, true), role('gpu', false, true)],
      compute: [],
    });
  });

  it('a compute-only host forks nothing: no workflow task to protect', () => {
    const plan = workerPlan({ FAIRSHRINK_COMPUTE_TASK_QUEUE: 'gpu', FAIRSHRINK_WORKER_ROLES: 'compute' });
    expect(processPlan(plan, 'forked')).toEqual({ main: [role('gpu', false, true)], compute: [] });
  });
});
