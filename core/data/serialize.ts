// A deterministic binary form of an EncodedDataset (for the artifact store):
//
//   "FSHRKDS\0" (8 bytes) | header length (u32 LE) | header (canonical JSON, UTF-8) | zero padding to 8 |
//   sections (typed arrays, little-endian, each padded to 8 bytes)
//
// The header holds everything but the typed arrays, the section table (name, dtype, offset, length)
// and the sha256 of the section bytes. Canonical JSON and a fixed section order make equal data
// sets serialise to equal bytes.
import { canonicalJson, sha256Hex } from './hash.ts';
import { SPLIT_NAMES, type EncodedDataset, type EncodedSplit, type SplitName } from './dataset.ts';
import { parseDatasetSpec } from './spec.ts';

const MAGIC = new TextEncoder().encode('FSHRKDS\0');
const FORMAT_VERSION = 1;

type Dtype = 'float32' | 'uint8' | 'uint16' | 'uint32';
type TypedArray = Float32Array | Uint8Array | Uint16Array | Uint32Array;

interface Section {
  name: string;
  dtype: Dtype;
  offset: number;
  length: number;
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

function dtypeOf(a: TypedArray): Dtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  return 'uint8';
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
    throw new Error('EncodedDataset serialisation assumes a little-endian machine');
}

function sectionsOf(dataset: EncodedDataset): [string, TypedArray][] {
  const out: [string, TypedArray][] = [];
  for (const split of SPLIT_NAMES) {
    const s = dataset.splits[split];
    out.push([`${split}.x`, s.x.values], [`${split}.y`, s.y], [`${split}.rowIds`, s.rowIds]);
    for (const attr of dataset.sensitive) out.push([`${split}.groups.${attr.name}`, s.groups[attr.name]!]);
  }
  return out;
}

/** Serialises to bytes; equal data sets give equal bytes. */
export function serializeDataset(dataset: EncodedDataset): Uint8Array {
  assertLittleEndian();
  const arrays = sectionsOf(dataset);
  const sections: Section[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    sections.push({ name, dtype: dtypeOf(a), offset, length: a.length });
    offset += a.byteLength + pad8(a.byteLength);
  }
  const body = new Uint8Array(offset);
  arrays.forEach(([, a], i) => body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), sections[i]!.offset));
  const { splits, ...meta } = dataset;
  const header = {
    serialization: FORMAT_VERSION,
    meta,
    shapes: Object.fromEntries(SPLIT_NAMES.map((s) => [s, { rows: splits[s].x.rows, cols: splits[s].x.cols }])),
    sections,
    bodySha256: sha256Hex(body),
  };
  const headerBytes = new TextEncoder().encode(canonicalJson(header));
  const prefix = MAGIC.length + 4;
  const headerEnd = prefix + headerBytes.length;
  const bodyStart = headerEnd + pad8(headerEnd);
  const out = new Uint8Array(bodyStart + body.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, prefix);
  out.set(body, bodyStart);
  return out;
}

interface Header {
  serialization: number;
  meta: Omit<EncodedDataset, 'splits'>;
  shapes: Record<SplitName, { rows: number; cols: number }>;
  sections: Section[];
  bodySha256: string;
}

/** Parses bytes written by serializeDataset, checking magic, version, bounds and the body checksum. */
export function deserializeDataset(bytes: Uint8Array, source = 'encoded dataset'): EncodedDataset {
  assertLittleEndian();
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new Error(`${source}: not a fairshrink encoded data set (bad magic bytes)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const prefix = MAGIC.length + 4;
  if (prefix + headerLength > bytes.length) throw new Error(`${source}: truncated header`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(prefix, prefix + headerLength))) as Header;
  if (header.serialization !== FORMAT_VERSION)
    throw new Error(
      `${source}: serialisation version ${header.serialization} is not supported (expected ${FORMAT_VERSION})`,
    );
  const headerEnd = prefix + headerLength;
  const body = bytes.subarray(headerEnd + pad8(headerEnd));
  if (sha256Hex(body) !== header.bodySha256)
    throw new Error(`${source}: body checksum mismatch (the bytes are corrupt or truncated)`);
  const read = (name: string): TypedArray => {
    const s = header.sections.find((x) => x.name === name);
    if (s === undefined) throw new Error(`${source}: missing section '${name}'`);
    const per = s.dtype === 'float32' || s.dtype === 'uint32' ? 4 : s.dtype === 'uint16' ? 2 : 1;
    if (s.offset + s.length * per > body.length) throw new Error(`${source}: section '${name}' runs past the end`);
    // Copy into a fresh, aligned buffer.
    const copy = body.slice(s.offset, s.offset + s.length * per).buffer;
    return s.dtype === 'float32'
      ? new Float32Array(copy)
      : s.dtype === 'uint32'
        ? new Uint32Array(copy)
        : s.dtype === 'uint16'
          ? new Uint16Array(copy)
          : new Uint8Array(copy);
  };
  const meta = header.meta;
  const splits = {} as Record<SplitName, EncodedSplit>;
  for (const split of SPLIT_NAMES) {
    const shape = header.shapes[split];
    const groups: Record<string, Uint16Array> = {};
    for (const attr of meta.sensitive) groups[attr.name] = read(`${split}.groups.${attr.name}`) as Uint16Array;
    splits[split] = {
      x: { values: read(`${split}.x`) as Float32Array, rows: shape.rows, cols: shape.cols },
      y: read(`${split}.y`) as Uint8Array,
      groups,
      rowIds: read(`${split}.rowIds`) as Uint32Array,
    };
  }
  return { ...meta, spec: parseDatasetSpec(meta.spec, source), splits };
}
