import type { ChannelModel, GetMessage } from 'amqplib';

/** Messages (and their count) in `queue`, read with basic.get so nothing stays unacked. */
export async function drain(conn: ChannelModel, queue: string): Promise<GetMessage[]> {
  const ch = await conn.createChannel();
  const out: GetMessage[] = [];
  try {
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) return out;
      out.push(m);
    }
  } finally {
    await ch.close();
  }
}

export async function depth(conn: ChannelModel, queue: string): Promise<number> {
  const ch = await conn.createChannel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}
