// Where fairshrink finds Temporal and S3. Everything comes from the environment, so the same code
// talks to the local stack (`fairshrink up`), a Temporal cluster or Temporal Cloud, and AWS S3 /
// MinIO / R2 / Ceph without changes. Pure: takes the environment as an argument.

export interface StackPorts {
  temporal: number;
  temporalUi: number;
  s3: number;
  /** SeaweedFS internals; each also uses its port + 10000 for gRPC. */
  seaweedMaster: number;
  seaweedVolume: number;
  seaweedFiler: number;
}

export interface ConnectionSettings {
  temporal: { address: string; namespace: string; taskQueue: string };
  s3: {
    endpoint?: string;
    region: string;
    bucket: string;
    forcePathStyle: boolean;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** True when S3 is the local SeaweedFS started by `fairshrink up`. */
  localS3: boolean;
  /** True when Temporal is the local dev server started by `fairshrink up` (TEMPORAL_ADDRESS unset). */
  localTemporal: boolean;
}

/** Credentials of the local SeaweedFS only; it listens on 127.0.0.1 and holds nothing secret. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'fairshrink', secretAccessKey: 'fairshrink-local-only' };

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Env = Record<string, string | undefined>;

function portFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SettingsError(`${name}="${raw}" is not a TCP port; set it to a whole number from 1 to 65535`);
  }
  return port;
}

export function stackPorts(env: Env = process.env): StackPorts {
  const temporal = portFrom(env, 'FAIRSHRINK_TEMPORAL_PORT', 7233);
  const seaweedBase = portFrom(env, 'FAIRSHRINK_SEAWEED_BASE_PORT', 9340);
  if (seaweedBase + 2 + 10000 > 65535) {
    throw new SettingsError(
      `FAIRSHRINK_SEAWEED_BASE_PORT=${seaweedBase} is too high: SeaweedFS also uses base..base+2 plus 10000`,
    );
  }
  return {
    temporal,
    temporalUi: portFrom(env, 'FAIRSHRINK_TEMPORAL_UI_PORT', 8233),
    s3: portFrom(env, 'FAIRSHRINK_S3_PORT', 8333),
    seaweedMaster: seaweedBase,
    seaweedVolume: seaweedBase + 1,
    seaweedFiler: seaweedBase + 2,
  };
}

export function connectionSettings(env: Env = process.env): ConnectionSettings {
  const ports = stackPorts(env);
  const endpoint = env.FAIRSHRINK_S3_ENDPOINT || undefined;
  const localS3 = endpoint === undefined;
  const bucket = env.FAIRSHRINK_S3_BUCKET || 'fairshrink';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new SettingsError(
      `FAIRSHRINK_S3_BUCKET="${bucket}" is not a valid bucket name: use 3-63 lower-case letters, digits, "." or "-"`,
    );
  }
  const forcePathStyleRaw = env.FAIRSHRINK_S3_FORCE_PATH_STYLE;
  if (forcePathStyleRaw !== undefined && !['true', 'false', ''].includes(forcePathStyleRaw)) {
    throw new SettingsError(`FAIRSHRINK_S3_FORCE_PATH_STYLE="${forcePathStyleRaw}" must be "true" or "false"`);
  }
  return {
    temporal: {
      address: env.TEMPORAL_ADDRESS || `127.0.0.1:${ports.temporal}`,
      namespace: env.TEMPORAL_NAMESPACE || 'fairshrink',
      taskQueue: env.FAIRSHRINK_TASK_QUEUE || 'fairshrink',
    },
    s3: {
      endpoint: endpoint ?? `http://127.0.0.1:${ports.s3}`,
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      bucket,
      // Custom endpoints (SeaweedFS, MinIO, Ceph) usually need path-style URLs; AWS does not.
      forcePathStyle: forcePathStyleRaw ? forcePathStyleRaw === 'true' : endpoint !== undefined || localS3,
      // The local stack has fixed credentials unless the user's AWS chain provides some.
      ...(localS3 && !env.AWS_ACCESS_KEY_ID ? { credentials: LOCAL_S3_CREDENTIALS } : {}),
    },
    localS3,
    localTemporal: !env.TEMPORAL_ADDRESS,
  };
}
