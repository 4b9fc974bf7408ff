// The scenario the tests, the demo and the bench share: many buyers reserve one unit of the same SKU at
// the same moment, buyer i through reservers[i % n] (one per connection), and the answers are counted.
// Not exported from the package index.
import type { Reserver } from './inventory.ts';

export interface FlashSaleResult {
  /** Reservation ids of the buyers told "reserved". */
  reserved: string[];
  /** Buyers told "sold out". */
  turnedAway: number;
}

export async function flashSale(
  reservers: readonly Reserver[],
  sku: string,
  buyers: number,
  idPrefix = 'buyer',
): Promise<FlashSaleResult> {
  const answers = await Promise.all(
    Array.from({ length: buyers }, async (_, i) => {
      const id = `${idPrefix}-${i}`;
      const result = await reservers[i % reservers.length]!.reserve(sku, id);
      return result.reserved ? id : undefined;
    }),
  );
  const reserved = answers.filter((id): id is string => id !== undefined);
  return { reserved, turnedAway: buyers - reserved.length };
}
