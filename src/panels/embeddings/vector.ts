/**
 * The embeddings frame's vector column: standard base64 (RFC 4648, padded) of little-endian IEEE-754 float32
 * components, 4 bytes each (pkg/engine EncodeVector).
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64.length; i++) {
    t[BASE64.charCodeAt(i)] = i;
  }
  return t;
})();

/** The bytes of a padded base64 string; throws on a character outside the alphabet or a bad length. */
export function base64Bytes(s: string): Uint8Array {
  if (s.length % 4 !== 0) {
    throw new Error(`base64 of length ${s.length} is not a multiple of 4`);
  }
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const a = sextet(s, i);
    const b = sextet(s, i + 1);
    const c = s.charCodeAt(i + 2) === 61 ? 0 : sextet(s, i + 2);
    const d = s.charCodeAt(i + 3) === 61 ? 0 : sextet(s, i + 3);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) {
      out[o++] = (n >> 8) & 255;
    }
    if (o < out.length) {
      out[o++] = n & 255;
    }
  }
  return out;
}

function sextet(s: string, i: number): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? LOOKUP[code] : -1;
  if (v < 0) {
    throw new Error(`invalid base64 character at ${i}`);
  }
  return v;
}

/** One vector: the components as float32, read little-endian whatever the host's byte order. */
export function decodeVector(s: string): Float32Array {
  const bytes = base64Bytes(s);
  if (bytes.length % 4 !== 0) {
    throw new Error(`${bytes.length} bytes is not a whole number of float32 components`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) {
    out[i] = view.getFloat32(4 * i, true);
  }
  return out;
}

/** Encodes components as the backend does; for tests and synthetic data. */
export function encodeVector(v: ArrayLike<number>): string {
  const bytes = new Uint8Array(4 * v.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) {
    view.setFloat32(4 * i, v[i], true);
  }
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? BASE64[n & 63] : '=';
  }
  return out;
}

/** All vectors as one row-major matrix; every vector must have the same dimension. */
export function decodeVectors(encoded: readonly string[]): { data: Float32Array; dim: number } {
  if (encoded.length === 0) {
    return { data: new Float32Array(0), dim: 0 };
  }
  const first = decodeVector(encoded[0]);
  const dim = first.length;
  const data = new Float32Array(encoded.length * dim);
  data.set(first, 0);
  for (let i = 1; i < encoded.length; i++) {
    const v = decodeVector(encoded[i]);
    if (v.length !== dim) {
      throw new Error(`vector ${i} has ${v.length} components, the first has ${dim}`);
    }
    data.set(v, i * dim);
  }
  return { data, dim };
}
