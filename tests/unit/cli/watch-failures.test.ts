// How watch and status read a failure: the step's own message and type from the cause chain the Temporal client
// builds, and which poll failures are transient (watch keeps following) rather than the campaign's own.
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ServiceError,
  TemporalFailure,
  TerminatedFailure,
  WorkflowFailedError,
} from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { campaignFailure } from '../../../cli/commands/campaign-status.ts';
import { isTransientFailure, retryDelayMs } from '../../../cli/commands/watch-contact.ts';

/** A gRPC service error as @grpc/grpc-js raises it: a numeric status code, details and metadata. */
function grpcError(code: number, name: string): Error {
  return Object.assign(new Error(`${code} ${name}: connection dropped`), {
    code,
    details: 'connection dropped',
    metadata: {},
  });
}

describe('campaignFailure', () => {
  it("reaches through WorkflowFailedError and ActivityFailure to the step's ApplicationFailure", () => {
    const data = ApplicationFailure.nonRetryable(
      "the file has no column 'gender'. Fix: name a column of the header.",
      'DataError',
    );
    const activity = new ActivityFailure(
      'Activity task failed',
      'prepareDataset',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'worker-1',
      data,
    );
    const err = new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE);
    expect(campaignFailure(err)).toEqual({
      message: "the file has no column 'gender'. Fix: name a column of the header.",
      type: 'DataError',
      activity: 'prepareDataset',
      text: "prepareDataset failed (DataError): the file has no column 'gender'. Fix: name a column of the header.",
    });
  });

  it("takes the type from the activity's ApplicationFailure and the message from the error under it", () => {
    // How activities/campaign.ts reports a DataError: an ApplicationFailure prefixed with the step, caused by the
    // original error, which the client decodes as a plain TemporalFailure.
    const original = new TemporalFailure("people.csv, column 'gender' does not exist.");
    const data = ApplicationFailure.create({
      message: "prepareDataset: people.csv, column 'gender' does not exist.",
      type: 'DataError',
      nonRetryable: true,
      cause: original,
    });
    const activity = new ActivityFailure(
      'Activity task failed',
      'prepareDataset',
      '1',
      RetryState.NON_RETRYABLE_FAILURE,
      'w',
      data,
    );
    expect(
      campaignFailure(new WorkflowFailedError('Workflow execution failed', activity, RetryState.NON_RETRYABLE_FAILURE))
        .text,
    ).toBe("prepareDataset failed (DataError): people.csv, column 'gender' does not exist.");
  });

  it("gives a workflow's own failure and a termination their messages", () => {
    const gate = ApplicationFailure.nonRetryable('the dense baseline does not meet the rubric', 'GateFailed');
    expect(
      campaignFailure(new WorkflowFailedError('Workflow execution failed', gate, RetryState.NON_RETRYABLE_FAILURE))
        .text,
    ).toBe('failed (GateFailed): the dense baseline does not meet the rubric');
    const terminated = new TerminatedFailure('stuck, terminated by ana');
    expect(
      campaignFailure(
        new WorkflowFailedError('Workflow execution terminated', terminated, RetryState.NON_RETRYABLE_FAILURE),
      ).text,
    ).toBe('failed (TerminatedFailure): stuck, terminated by ana');
  });
});

describe('isTransientFailure', () => {
  it('holds for a query or RPC that lost the server', () => {
    expect(
      isTransientFailure(new ServiceError('Failed to query Workflow', { cause: grpcError(14, 'UNAVAILABLE') })),
    ).toBe(true);
    expect(isTransientFailure(new ServiceError('Failed to query Workflow', { cause: grpcError(1, 'CANCELLED') }))).toBe(
      true,
    );
    expect(isTransientFailure(grpcError(4, 'DEADLINE_EXCEEDED'))).toBe(true);
    expect(
      isTransientFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' })),
    ).toBe(true);
  });

  it("does not hold for the campaign's own failure or a bad request", () => {
    const data = ApplicationFailure.nonRetryable('bad column', 'DataError');
    expect(
      isTransientFailure(new WorkflowFailedError('Workflow execution failed', data, RetryState.NON_RETRYABLE_FAILURE)),
    ).toBe(false);
    expect(isTransientFailure(grpcError(3, 'INVALID_ARGUMENT'))).toBe(false);
    const cancelled = new CancelledFailure('Workflow cancelled');
    expect(
      isTransientFailure(
        new WorkflowFailedError('Workflow execution cancelled', cancelled, RetryState.NON_RETRYABLE_FAILURE),
      ),
    ).toBe(false);
  });

  it('backs off from the poll interval, doubling, up to 15 s', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(1000, n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(1000, 20)).toBe(15_000);
  });
});
