import { base64Bytes, decodeVector, decodeVectors, encodeVector } from './vector';

describe('vector decoding', () => {
  it('reads little-endian float32 from base64', () => {
    // 1.0 = 0x3f800000, -2.5 = 0xc0200000, little-endian bytes; the backend's EncodeVector([1, -2.5]).
    const b64 = Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0]).toString('base64');
    expect(b64).toBe('AACAPwAAIMA=');
    expect(Array.from(decodeVector(b64))).toEqual([1, -2.5]);
  });

  it('round-trips values through the encoding, with and without padding', () => {
    for (const v of [[], [0.5], [1, 2], [3.25, -1e-7, 42], [Math.PI, -Math.E, 1e30, -0]]) {
      const expected = Array.from(Float32Array.from(v));
      expect(Array.from(decodeVector(encodeVector(v)))).toEqual(expected);
      expect(encodeVector(v)).toBe(Buffer.from(Float32Array.from(v).buffer).toString('base64'));
    }
  });

  it('decodes the same bytes as Node’s base64', () => {
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255);
    for (let len = 0; len <= 64; len++) {
      const b64 = Buffer.from(bytes.subarray(0, len)).toString('base64');
      expect(Array.from(base64Bytes(b64))).toEqual(Array.from(bytes.subarray(0, len)));
    }
  });

  it('rejects bad input', () => {
    expect(() => decodeVector('AAA')).toThrow(/multiple of 4/);
    expect(() => decodeVector('AA*A')).toThrow(/invalid base64 character/);
    // 3 bytes: not a whole float32.
    expect(() => decodeVector('AAAA')).toThrow(/whole number of float32/);
  });

  it('stacks vectors into a row-major matrix and checks their dimension', () => {
    const { data, dim } = decodeVectors([encodeVector([1, 2, 3]), encodeVector([4, 5, 6])]);
    expect(dim).toBe(3);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => decodeVectors([encodeVector([1, 2]), encodeVector([1])])).toThrow(/vector 1 has 1 components/);
    expect(decodeVectors([])).toEqual({ data: new Float32Array(0), dim: 0 });
  });
});
