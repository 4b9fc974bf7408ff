// Redis Cluster's key → slot function, so a script call can be refused here, on any server, for the reason a
// cluster would refuse it: a script runs on ONE node, so every key it touches must live in one slot.
// slot = CRC16-XMODEM(hash part) mod 16384, where the hash part is the text between the first "{" and the
// next "}" when that is non-empty (a hash tag: "poll:{42}:ballots" and "poll:{42}:tally" share a slot),
// else the whole key. Same answers as CLUSTER KEYSLOT (test/slots.test.ts compares them).

export const SLOTS = 16_384;

const TABLE = Uint16Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The part of a key that decides its slot: the first non-empty {hash tag}, else the whole key. */
export function hashPart(key: Uint8Array): Uint8Array {
  const open = key.indexOf(0x7b); // "{"
  if (open < 0) return key;
  const close = key.indexOf(0x7d, open + 1); // "}"
  if (close < 0 || close === open + 1) return key;
  return key.subarray(open + 1, close);
}

/** The cluster slot of a key (0 … 16383), computed over its UTF-8 bytes. */
export function keySlot(key: string): number {
  return crc16(hashPart(Buffer.from(key, 'utf8'))) % SLOTS;
}
