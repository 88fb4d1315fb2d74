import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** The slice of s3rver (no type declarations of its own) the tests use. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: { address: string; port: number; silent: boolean; directory: string; configureBuckets: { name: string }[] }) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export interface FakeS3 {
  endpoint: string;
  port: number;
  directory: string;
  /** Every stored object key in a bucket (s3rver keeps them as files on disk). */
  keys(bucket: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A real S3 protocol server (s3rver) on 127.0.0.1 with a temporary directory. Credentials: S3RVER/S3RVER. */
export async function startFakeS3(buckets: string[], port = 0): Promise<FakeS3> {
  const directory = await mkdtemp(join(tmpdir(), 'fake-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = await server.run();
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    directory,
    async keys(bucket) {
      const out: string[] = [];
      const walk = async (dir: string, prefix: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          if (e.isDirectory()) await walk(join(dir, e.name), `${prefix}${e.name}/`);
          else if (e.name.endsWith('._S3rver_object')) out.push(`${prefix}${e.name.replace(/\._S3rver_object$/, '')}`);
        }
      };
      await walk(join(directory, bucket), '');
      return out.sort();
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
