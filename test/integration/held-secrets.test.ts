import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCoordination } from '../../src/coordination/memory-coordination.js';
import { RedisCoordination } from '../../src/coordination/redis-coordination.js';
import { openSecrets, sealSecrets } from '../../src/core/held-secrets.js';
import { Redactor } from '../../src/core/redact.js';
import type { Coordination } from '../../src/core/ports.js';
import { REDIS_URL } from '../support/postgres.js';

const SECRET = 'sk-heldKey2Wq9Er4Ty7Ui';

describe.each(['memory', 'redis'] as const)('secrets held until Confirm (%s coordination)', (kind) => {
  let coordination: Coordination;
  beforeAll(async () => {
    coordination = kind === 'memory' ? new MemoryCoordination() : await new RedisCoordination(REDIS_URL, { prefix: `firebreak-test-${randomUUID()}:` }).connect();
  });
  afterAll(async () => {
    await coordination.close();
  });

  it('the sealed form holds no plaintext; it opens once, then says "gone"', async () => {
    const sealed = await sealSecrets(coordination, { new_key: SECRET }, 60_000);
    expect(JSON.stringify(sealed)).not.toContain('heldKey2Wq9');
    expect(await openSecrets(coordination, sealed)).toEqual({ new_key: SECRET });
    // One use: a second Confirm (another replica, a replay) finds nothing to open.
    expect(await openSecrets(coordination, sealed)).toBeNull();
  });

  it('an expired hold opens to null, never to a run without the value', async () => {
    const sealed = await sealSecrets(coordination, { new_key: SECRET }, 50);
    await new Promise((r) => setTimeout(r, 200));
    expect(await openSecrets(coordination, sealed)).toBeNull();
  });

  it('a tampered ciphertext is refused by its authentication tag', async () => {
    const sealed = await sealSecrets(coordination, { new_key: SECRET }, 60_000);
    const data = Buffer.from(sealed.data, 'base64');
    data[0] = data[0]! ^ 1;
    await expect(openSecrets(coordination, { ...sealed, data: data.toString('base64') })).rejects.toThrow();
  });
});

describe('Redactor.learn', () => {
  it('masks a secret learned at run time from then on, in every sink sharing the redactor', () => {
    const r = new Redactor(['configured-secret-1']);
    expect(r.redact(`key ${SECRET.slice(3)}`)).toContain('heldKey2Wq9');
    r.learn([SECRET.slice(3), 'abc']);
    expect(r.redact(`key ${SECRET.slice(3)} and configured-secret-1`)).toBe('key *** and ***');
    // Too short to mask meaningfully (as for configured values): "abc" stays readable text.
    expect(r.redact('abc')).toBe('abc');
  });
});
