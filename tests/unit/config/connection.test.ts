import { describe, expect, it } from 'vitest';
import { connectionSettings, LOCAL_S3_CREDENTIALS, stackPorts } from '../../../core/config/connection.ts';

describe('connection settings from the environment', () => {
  it('defaults to the local stack', () => {
    const settings = connectionSettings({});
    expect(settings.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'fairshrink', taskQueue: 'fairshrink' });
    expect(settings.s3).toMatchObject({
      endpoint: 'http://127.0.0.1:8333',
      bucket: 'fairshrink',
      forcePathStyle: true,
    });
    expect(settings.s3.credentials).toEqual(LOCAL_S3_CREDENTIALS);
    expect(settings.localS3).toBe(true);
    expect(settings.localTemporal).toBe(true);
  });

  it('uses a real cluster and real S3 without local credentials', () => {
    const settings = connectionSettings({
      TEMPORAL_ADDRESS: 'temporal.prod:7233',
      TEMPORAL_NAMESPACE: 'ml',
      FAIRSHRINK_S3_ENDPOINT: 'https://s3.example.internal',
      FAIRSHRINK_S3_BUCKET: 'models',
      AWS_REGION: 'eu-west-1',
    });
    expect(settings.temporal.address).toBe('temporal.prod:7233');
    expect(settings.temporal.namespace).toBe('ml');
    expect(settings.s3).toEqual({
      endpoint: 'https://s3.example.internal',
      region: 'eu-west-1',
      bucket: 'models',
      forcePathStyle: true,
    });
    expect(settings.localS3).toBe(false);
    expect(settings.localTemporal).toBe(false);
  });

  it('lets the standard AWS chain supply credentials even for the local endpoint', () => {
    expect(connectionSettings({ AWS_ACCESS_KEY_ID: 'AKIA' }).s3.credentials).toBeUndefined();
  });

  it('derives the local ports from the environment', () => {
    expect(stackPorts({ FAIRSHRINK_TEMPORAL_PORT: '7300', FAIRSHRINK_SEAWEED_BASE_PORT: '9500' })).toEqual({
      temporal: 7300,
      temporalUi: 8233,
      s3: 8333,
      seaweedMaster: 9500,
      seaweedVolume: 9501,
      seaweedFiler: 9502,
    });
  });

  it('names the variable and the fix for a bad port or bucket', () => {
    expect(() => stackPorts({ FAIRSHRINK_S3_PORT: 'eighty' })).toThrow(
      /FAIRSHRINK_S3_PORT="eighty" is not a TCP port; set it to a whole number/,
    );
    expect(() => stackPorts({ FAIRSHRINK_TEMPORAL_PORT: '70000' })).toThrow(/FAIRSHRINK_TEMPORAL_PORT/);
    expect(() => connectionSettings({ FAIRSHRINK_S3_BUCKET: 'Bad_Bucket' })).toThrow(
      /FAIRSHRINK_S3_BUCKET="Bad_Bucket" is not a valid bucket name/,
    );
    expect(() => connectionSettings({ FAIRSHRINK_S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/must be "true" or "false"/);
  });
});
