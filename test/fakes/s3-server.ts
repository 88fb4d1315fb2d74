import type { Socket } from 'node:net';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

/** The slice of Koa's context our middleware uses. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  req: IncomingMessage;
  res: ServerResponse;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** The slice of s3rver (no type declarations of its own) the tests use. s3rver is a Koa app. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  middleware: Middleware[];
}
type S3rverCtor = new (opts: { address: string; port: number; silent: boolean; directory: string; configureBuckets: { name: string }[] }) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;

export interface AbortRequest {
  bucket: string;
  key: string;
  uploadId: string;
  /** 204 when the upload existed and was removed, 404 NoSuchUpload otherwise. */
  status: number;
}

export interface FakeS3 {
  endpoint: string;
  port: number;
  directory: string;
  /** Every stored object key in a bucket (s3rver keeps them as files on disk). */
  keys(bucket: string): Promise<string[]>;
  /** Multipart uploads started and neither completed nor aborted: their keys. */
  pendingUploads(bucket: string): Promise<string[]>;
  /** Every AbortMultipartUpload request received, in order. */
  readonly aborts: AbortRequest[];
  /** When true, AbortMultipartUpload is refused with 500 InternalError (to test that a failed abort is reported). */
  refuseAborts: boolean;
  /** When true, object and part uploads (PUT) are accepted but never read or answered: a stalled connection. */
  stallUploads: boolean;
  close(): Promise<void>;
}

function uploadsDir(directory: string, bucket: string): string {
  // s3rver's FilesystemStore keeps a multipart upload in <bucket>/._S3rver_uploads/<uploadId>/.
  return join(directory, bucket, '._S3rver_uploads');
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * A real S3 protocol server (s3rver) on 127.0.0.1 with a temporary directory. Credentials: S3RVER/S3RVER.
 * s3rver 3.7.1 answers AbortMultipartUpload with 405; this fake implements it (removing the upload's
 * parts, as S3 does) so a test can see that an abort was sent and that no upload remains.
 */
export async function startFakeS3(buckets: string[], port = 0): Promise<FakeS3> {
  const directory = await mkdtemp(join(tmpdir(), 'fake-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const fake: FakeS3 = {
    endpoint: '',
    port: 0,
    directory,
    aborts: [],
    refuseAborts: false,
    stallUploads: false,
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
    async pendingUploads(bucket) {
      const dir = uploadsDir(directory, bucket);
      const out: string[] = [];
      for (const id of await readdir(dir).catch(() => [])) {
        out.push(await readFile(join(dir, id, 'key'), 'utf8').catch(() => `(upload ${id})`));
      }
      return out.sort();
    },
    async close() {
      // A stalled upload's socket is paused and would never see the client leave: end it here.
      for (const socket of stalled) socket.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  const stalled = new Set<Socket>();
  // Runs before s3rver's own middleware (Koa composes the array when the server starts).
  const intercept: Middleware = async (ctx, next) => {
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (ctx.method === 'PUT' && fake.stallUploads) {
      // Never read the body nor answer: the client's socket goes idle until it gives up.
      stalled.add(ctx.req.socket);
      await new Promise<void>((resolve) => ctx.req.once('close', resolve));
      stalled.delete(ctx.req.socket);
      ctx.status = 499;
      return;
    }
    if (ctx.method === 'DELETE' && uploadId) {
      const [, bucket = '', ...rest] = ctx.path.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const dir = join(uploadsDir(directory, bucket), uploadId);
      const request: AbortRequest = { bucket, key, uploadId, status: 0 };
      fake.aborts.push(request);
      ctx.type = 'application/xml';
      if (fake.refuseAborts) {
        request.status = 500;
        ctx.status = 500;
        ctx.body = xmlError('InternalError', 'We encountered an internal error. Please try again.');
        return;
      }
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
      if (!exists) {
        request.status = 404;
        ctx.status = 404;
        ctx.body = xmlError('NoSuchUpload', 'The specified upload does not exist.');
        return;
      }
      await rm(dir, { recursive: true, force: true });
      request.status = 204;
      ctx.status = 204;
      return;
    }
    await next();
  };
  server.middleware.unshift(intercept);
  const addr = await server.run();
  fake.endpoint = `http://127.0.0.1:${addr.port}`;
  fake.port = addr.port;
  return fake;
}
