// A fetched batch's results go out in produce requests small enough for the broker's message.max.bytes
// (the normal-profile bench failed with "message larger than the max message size" when they went as one).
import { describe, expect, it } from 'vitest';
import { inRequests } from '../src/changelog.ts';

describe('inRequests', () => {
  it('cuts topic messages into requests of at most max messages, in order, across topics', () => {
    const requests = inRequests(
      [
        { topic: 'a', messages: [1, 2, 3, 4, 5] },
        { topic: 'b', messages: [] },
        { topic: 'c', messages: [6, 7] },
      ],
      3,
    );
    expect(requests).toEqual([
      [{ topic: 'a', messages: [1, 2, 3] }],
      [
        { topic: 'a', messages: [4, 5] },
        { topic: 'c', messages: [6] },
      ],
      [{ topic: 'c', messages: [7] }],
    ]);
  });

  it('sends nothing for nothing', () => {
    expect(inRequests([{ topic: 'a', messages: [] }])).toEqual([]);
  });
});
