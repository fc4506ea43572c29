import { describe, expect, it } from 'vitest';
import { workerPlan } from '../../../workers/main.ts';

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
