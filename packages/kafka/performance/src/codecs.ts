// Compression for KafkaJS. KafkaJS ships gzip only; snappy, lz4 and zstd are slots in its codec table
// (CompressionCodecs) that throw "not implemented" until something is registered there. This module
// fills them with pure-JavaScript codecs: kafkajs-snappy, and an LZ4 adapter written here on lz4js
// that writes the LZ4 *frame* format the way Kafka's Java client does (64 KiB independent blocks).
// zstd is registered only where Node itself has it (zlib.zstdCompress, Node >= 22.15).
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import * as lz4 from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32.js';
import SnappyCodec from 'kafkajs-snappy';
import { check } from './errors.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs; // CommonJS: its named exports are not visible to an ES import

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** What KafkaJS expects in CompressionCodecs: `compress` gets its encoder (the records' bytes in `buffer`). */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** The attribute value of a record batch compressed with `compression` (KafkaJS's CompressionTypes). */
export function compressionType(compression: Compression): number {
  check.oneOf('compression', compression, COMPRESSIONS);
  const types = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
  return types[compression];
}

// ---- LZ4 frame (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) ----

const LZ4_MAGIC = 0x184d2204;
/** FLG: version 01, independent blocks; no block checksums, content size or content checksum (as Kafka's Java client). */
const LZ4_FLG = 0x60;
/** BD: maximum block size 64 KiB. */
const LZ4_BD = 0x40;
const LZ4_MAX_BLOCK = 64 * 1024;
/**
 * Input per block, 16 bytes short of the declared maximum. lz4js may start its last match up to 10 bytes
 * before the end of a block; the reference decoder (liblz4, used by Kafka's Java client through lz4-java)
 * rejects that within 12 bytes of the end of its output buffer, which it sizes to the declared maximum.
 */
const LZ4_BLOCK_INPUT = LZ4_MAX_BLOCK - 16;
const UNCOMPRESSED_BIT = 0x80000000;

/** One LZ4 frame of independent blocks: what Kafka's KafkaLZ4BlockInputStream (and liblz4) reads. */
export function lz4Frame(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / LZ4_BLOCK_INPUT));
  // A block is stored compressed only when that is smaller, so the frame is at most its input plus headers.
  const out = Buffer.allocUnsafe(7 + blocks * 4 + data.length + 4);
  out.writeUInt32LE(LZ4_MAGIC, 0);
  out[4] = LZ4_FLG;
  out[5] = LZ4_BD;
  out[6] = (xxh32(0, out, 4, 2) >>> 8) & 0xff; // header checksum: second byte of xxh32(FLG, BD)
  let at = 7;
  const scratch = new Uint8Array(lz4.compressBound(LZ4_BLOCK_INPUT));
  const table = new Uint32Array(1 << 16);
  for (let from = 0; from < data.length; from += LZ4_BLOCK_INPUT) {
    const block = data.subarray(from, Math.min(data.length, from + LZ4_BLOCK_INPUT));
    // Each block is compressed as an array of its own, so no match can reach into an earlier block: the
    // blocks are independent, as FLG says. (The cleared table makes each block's output depend on it alone.)
    table.fill(0);
    const size = lz4.compressBlock(block, scratch, 0, block.length, table);
    if (size === 0 || size >= block.length) {
      out.writeUInt32LE((UNCOMPRESSED_BIT | block.length) >>> 0, at);
      out.set(block, at + 4);
      at += 4 + block.length;
    } else {
      out.writeUInt32LE(size, at);
      out.set(scratch.subarray(0, size), at + 4);
      at += 4 + size;
    }
  }
  out.writeUInt32LE(0, at); // end mark
  return out.subarray(0, at + 4);
}

export const lz4Codec: KafkaCodec = {
  compress: async (encoder) => lz4Frame(encoder.buffer),
  async decompress(buffer) {
    const plain = lz4.decompress(buffer);
    return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
  },
};

// ---- zstd, where Node has it ----

type ZstdZlib = {
  zstdCompress(buffer: Buffer, callback: (e: Error | null, out: Buffer) => void): void;
  zstdDecompress(buffer: Buffer, callback: (e: Error | null, out: Buffer) => void): void;
};
const nodeZstd = (): ZstdZlib | undefined => {
  const z = zlib as unknown as Partial<ZstdZlib>;
  return typeof z.zstdCompress === 'function' && typeof z.zstdDecompress === 'function' ? (z as ZstdZlib) : undefined;
};

/** Why zstd cannot be used on this Node, or undefined when it can. */
export function zstdUnavailable(): string | undefined {
  return nodeZstd()
    ? undefined
    : `Node ${process.version} has no zlib.zstdCompress (added in Node 22.15); KafkaJS's own zstd codec is a native addon`;
}

function zstdCodec(z: ZstdZlib): KafkaCodec {
  const compress = promisify(z.zstdCompress.bind(zlib));
  const decompress = promisify(z.zstdDecompress.bind(zlib));
  return { compress: (encoder) => compress(encoder.buffer), decompress: (buffer) => decompress(buffer) };
}

// ---- registration ----

/**
 * Why KafkaJS cannot compress with `compression` now (its codec table has nothing there: registerCodecs()
 * was not called, or Node has no zstd), or undefined when it can.
 */
export function codecMissing(compression: Compression): string | undefined {
  if (compression === 'none') return undefined;
  try {
    const factory = (CompressionCodecs as Record<number, () => unknown>)[compressionType(compression)];
    factory?.();
    return undefined;
  } catch (e) {
    const why = compression === 'zstd' ? zstdUnavailable() : undefined;
    return (
      why ??
      `KafkaJS has no ${compression} codec yet (${e instanceof Error ? e.message : String(e)}): call registerCodecs() first`
    );
  }
}

const snappy: KafkaCodec = SnappyCodec();

/**
 * Puts the codecs into KafkaJS's codec table (one table per process, shared by every client of this
 * copy of KafkaJS) and returns the compressions it can now produce and read. Idempotent.
 */
export function registerCodecs(): Compression[] {
  // KafkaJS's table: one per process (per copy of KafkaJS), so this affects every client of it.
  const codecs = CompressionCodecs as Record<number, () => KafkaCodec>;
  codecs[CompressionTypes.Snappy] = () => snappy;
  codecs[CompressionTypes.LZ4] = () => lz4Codec;
  const z = nodeZstd();
  if (z) {
    const codec = zstdCodec(z);
    codecs[CompressionTypes.ZSTD] = () => codec;
  }
  return COMPRESSIONS.filter((c) => c !== 'zstd' || z !== undefined);
}
