// Types for the three codec packages that ship none: only what src/codecs.ts calls.
declare module 'lz4js' {
  /** Compresses `src[sIndex, sIndex + sLength)` as one LZ4 block into `dst`; 0 when nothing matched. */
  export function compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
  /** Decompresses a whole LZ4 frame (any block size, with or without checksums). */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  /** Worst-case size of `n` bytes compressed. */
  export function compressBound(n: number): number;
}

declare module 'lz4js/xxh32.js' {
  /** xxHash32 of `src[index, index + length)`. */
  export function hash(seed: number, src: Uint8Array, index: number, length: number): number;
}

declare module 'kafkajs-snappy' {
  /** The KafkaJS codec factory: raw Snappy out, raw or xerial-framed Snappy in. */
  const SnappyCodec: () => {
    compress(encoder: { buffer: Buffer }): Promise<Buffer>;
    decompress(buffer: Buffer): Promise<Buffer>;
  };
  export default SnappyCodec;
}
