import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './env.ts';

export type TestRedis = {
  url: string;
  /** Every key a test writes starts with this, so files never see each other's keys. */
  prefix: string;
  client: Redis;
  cleanup(): Promise<void>;
};

/** A Redis connection for one test file, with a unique key prefix removed again on cleanup. */
export async function createTestRedis(label = 'test'): Promise<TestRedis> {
  const prefix = `vigilo:t:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await client.connect();
  return {
    url: TEST_REDIS_URL,
    prefix,
    client,
    cleanup: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      client.disconnect();
    },
  };
}
