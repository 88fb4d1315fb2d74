import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupDestinationConfig } from '../../config/schema.js';
import type { StoredObject } from '../../backups/backup-port.js';

/** Where backup objects live. `put` must leave nothing behind when `body` errors. */
export interface ObjectStore {
  location(key: string): string;
  /** `signal` stops the upload (shutdown): it then rejects, and nothing stays at the location. */
  put(location: string, body: Readable, signal?: AbortSignal): Promise<void>;
  get(location: string): Promise<Readable>;
  remove(location: string): Promise<void>;
  /** Every object under the destination's prefix or directory (unfinished uploads and .partial files left out). */
  list(): Promise<StoredObject[]>;
  /** One object by name relative to the destination, or null. */
  stat(name: string): Promise<StoredObject | null>;
}

/** How many objects a listing reads at most: a bucket shared with other tools may hold millions. */
export const LIST_MAX_OBJECTS = 10_000;

/** An upload failed and its multipart upload could not be aborted: the message says how to remove it. */
export class UploadLeftBehindError extends Error {
  constructor(
    message: string,
    /** The sentence about what was left and how to remove it. */
    readonly leftover: string,
    readonly upload: { bucket: string; key: string; uploadId: string },
  ) {
    super(message);
    this.name = 'UploadLeftBehindError';
  }
}

type S3Destination = Extract<BackupDestinationConfig, { s3: unknown }>['s3'];

/**
 * No byte moving on an S3 connection for this long fails the request: without it a stalled upload
 * hung for ever (the SDK's default is no timeout) while the backup's lease ran out.
 */
export const S3_IDLE_TIMEOUT_MS = 60_000;
export const S3_CONNECT_TIMEOUT_MS = 10_000;

type S3Sdk = { s3: typeof import('@aws-sdk/client-s3'); storage: typeof import('@aws-sdk/lib-storage') };
let s3Sdk: Promise<S3Sdk> | undefined;

/**
 * The AWS SDK, loaded the first time an S3 destination is used: ~11 MB resident and half a second
 * of start-up that every process without an S3 backup (every `firebreak run`) would otherwise pay.
 */
function loadS3Sdk(): Promise<S3Sdk> {
  s3Sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({ s3, storage }));
  return s3Sdk;
}

export class S3ObjectStore implements ObjectStore {
  private connected: Promise<{ client: S3Client; sdk: S3Sdk }> | undefined;
  /** CreateMultipartUpload requests in flight, by bucket/key: a stopped upload may not know its id yet. */
  private readonly creating = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly cfg: S3Destination,
    private readonly timeouts: { idleMs?: number; connectMs?: number } = {},
  ) {}

  /** The SDK's client, made on first use (with the SDK's loading). */
  private sdk(): Promise<{ client: S3Client; sdk: S3Sdk }> {
    this.connected ??= loadS3Sdk().then((sdk) => ({ client: this.newClient(sdk), sdk }));
    return this.connected;
  }

  private newClient({ s3 }: S3Sdk): S3Client {
    const { cfg, timeouts } = this;
    const client = new s3.S3Client({
      // Options for the SDK's own Node HTTP handler (no import of @smithy/node-http-handler needed).
      // socketTimeout is an inactivity timeout, so a long but moving upload of a big part is fine.
      requestHandler: { socketTimeout: timeouts.idleMs ?? S3_IDLE_TIMEOUT_MS, connectionTimeout: timeouts.connectMs ?? S3_CONNECT_TIMEOUT_MS },
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.force_path_style,
      credentials: cfg.access_key_id && cfg.secret_access_key ? { accessKeyId: cfg.access_key_id, secretAccessKey: cfg.secret_access_key } : undefined,
      // A refused request should fail the backup now, not after minutes of retries.
      maxAttempts: 2,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'CreateMultipartUploadCommand') return next(args);
        const input = args.input as { Bucket?: string; Key?: string };
        const created = next(args);
        this.creating.set(`${input.Bucket}/${input.Key}`, created.then((r) => (r.output as { UploadId?: string }).UploadId, () => undefined));
        return created;
      },
      { step: 'initialize', name: 'firebreakTrackMultipartCreation' },
    );
    return client;
  }

  location(key: string): string {
    const prefix = this.cfg.prefix.replace(/^\/+|\/+$/g, '');
    return `s3://${this.cfg.bucket}/${prefix ? `${prefix}/` : ''}${key}`;
  }

  private parse(location: string): { bucket: string; key: string } {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!m) throw new Error(`${location} is not an s3:// location; the destination is S3`);
    return { bucket: m[1]!, key: m[2]! };
  }

  async put(location: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const { bucket, key } = this.parse(location);
    let loaded: { client: S3Client; sdk: S3Sdk };
    try {
      loaded = await this.sdk();
    } catch (err) {
      body.destroy();
      throw err;
    }
    const { client, sdk } = loaded;
    if (signal?.aborted) {
      body.destroy();
      throw new Error(`upload to ${location} was stopped: ${reasonOf(signal)}`);
    }
    // lib-storage's own controller: aborting it makes done() reject at once.
    const abortController = new AbortController();
    const stop = () => abortController.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    // Multipart with at most queueSize parts in memory: flat memory whatever the size.
    const upload = new sdk.storage.Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/gzip' },
      partSize: this.cfg.part_size_mb * 1024 * 1024,
      queueSize: 2,
      abortController,
      // We abort the multipart upload ourselves, below, so a failed abort is reported rather than
      // swallowed (lib-storage's own abort would replace the upload's error with the abort's).
      leavePartsOnError: true,
    });
    try {
      await upload.done();
    } catch (err) {
      const stopped = abortController.signal.aborted;
      let uploadId = upload.uploadId;
      let failure = `upload to ${location} failed: ${s3Message(err)}`;
      if (stopped) {
        // Stopped (shutdown): done() rejected at once, while requests may still be in flight
        // (lib-storage 3.x passes them no abort signal). No more parts are read; the body is
        // dropped, and a multipart upload still being created is waited for, so it is aborted too.
        body.destroy();
        uploadId ??= await this.creating.get(`${bucket}/${key}`);
        failure = `upload to ${location} was stopped: ${reasonOf(abortController.signal)}`;
      }
      // Otherwise done() rejects only after every part uploader has finished (lib-storage 3.x
      // awaits them all before it throws), so no part is in flight here. Either way, with
      // leavePartsOnError lib-storage sent no abort: the multipart upload, if one was created, is
      // still open and ours to abort.
      if (!uploadId) throw new Error(failure);
      try {
        await client.send(new sdk.s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (abortErr) {
        // NoSuchUpload: already gone (aborted or expired), which is what we wanted.
        if ((abortErr as { name?: string }).name !== 'NoSuchUpload') {
          const leftover = `Aborting multipart upload ${uploadId} of s3://${bucket}/${key} also failed (${s3Message(abortErr)}); its parts stay in bucket ${bucket} and are billed until removed: aws s3api abort-multipart-upload --bucket ${bucket} --key ${key} --upload-id ${uploadId}`;
          throw new UploadLeftBehindError(`${failure}. ${leftover}`, leftover, { bucket, key, uploadId });
        }
      }
      throw new Error(failure);
    } finally {
      signal?.removeEventListener('abort', stop);
      this.creating.delete(`${bucket}/${key}`);
    }
  }

  async get(location: string): Promise<Readable> {
    const { bucket, key } = this.parse(location);
    const { client, sdk } = await this.sdk();
    try {
      const res = await client.send(new sdk.s3.GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body as Readable;
    } catch (err) {
      throw new Error(`download of ${location} failed: ${s3Message(err)}`);
    }
  }

  async remove(location: string): Promise<void> {
    const { bucket, key } = this.parse(location);
    const { client, sdk } = await this.sdk();
    await client.send(new sdk.s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  private get prefix(): string {
    const p = this.cfg.prefix.replace(/^\/+|\/+$/g, '');
    return p ? `${p}/` : '';
  }

  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    const { client, sdk } = await this.sdk();
    try {
      do {
        const page = await client.send(new sdk.s3.ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: this.prefix || undefined, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue;
          out.push({ name: o.Key.slice(this.prefix.length), location: `s3://${this.cfg.bucket}/${o.Key}`, sizeBytes: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0), ...(o.ETag ? { etag: o.ETag } : {}) });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && out.length < LIST_MAX_OBJECTS);
    } catch (err) {
      throw new Error(`listing s3://${this.cfg.bucket}/${this.prefix} failed: ${s3Message(err)}`);
    }
    return out;
  }

  async stat(name: string): Promise<StoredObject | null> {
    const key = `${this.prefix}${name}`;
    const { client, sdk } = await this.sdk();
    try {
      const h = await client.send(new sdk.s3.HeadObjectCommand({ Bucket: this.cfg.bucket, Key: key }));
      return { name, location: `s3://${this.cfg.bucket}/${key}`, sizeBytes: h.ContentLength ?? 0, modifiedAt: h.LastModified ?? new Date(0), ...(h.ETag ? { etag: h.ETag } : {}) };
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
      throw new Error(`reading s3://${this.cfg.bucket}/${key} failed: ${s3Message(err)}`);
    }
  }
}

function reasonOf(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'cancelled';
}

function s3Message(err: unknown): string {
  const e = err as { name?: string; message?: string; Code?: string; code?: string };
  const code = e.Code ?? e.name ?? e.code;
  const msg = e.message ?? String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

/** A directory on this machine (or a mounted volume). Written as .partial, renamed when complete. */
export class DirObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  location(key: string): string {
    return `${this.root}/${key}`;
  }

  private check(location: string): string {
    if (!isAbsolute(location) || !resolve(location).startsWith(`${this.root}/`)) throw new Error(`${location} is not inside the backup directory ${this.root}`);
    return resolve(location);
  }

  async put(location: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const path = this.check(location);
    const partial = `${path}.partial`;
    await mkdir(dirname(path), { recursive: true });
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx' }), ...(signal ? [{ signal }] : []));
      // Stopped after the last byte was written: still not an object.
      signal?.throwIfAborted();
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      if (signal?.aborted) throw new Error(`writing ${path} was stopped: ${reasonOf(signal)}`);
      throw new Error(`writing ${path} failed: ${(err as Error).message}`);
    }
  }

  async get(location: string): Promise<Readable> {
    const path = this.check(location);
    await stat(path).catch(() => {
      throw new Error(`${path} does not exist any more`);
    });
    return createReadStream(path);
  }

  /** Removes the object and a .partial a crashed backup may have left beside it. */
  async remove(location: string): Promise<void> {
    const path = this.check(location);
    await rm(path, { force: true });
    await rm(`${path}.partial`, { force: true });
  }

  async list(): Promise<StoredObject[]> {
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw new Error(`listing ${this.root} failed: ${err.message}`);
    });
    const out: StoredObject[] = [];
    for (const e of entries) {
      if (!e.isFile() || e.name.endsWith('.partial')) continue;
      const path = join(e.parentPath, e.name);
      const st = await stat(path).catch(() => null);
      if (!st) continue;
      out.push({ name: relative(this.root, path), location: path, sizeBytes: st.size, modifiedAt: st.mtime });
      if (out.length >= LIST_MAX_OBJECTS) break;
    }
    return out;
  }

  async stat(name: string): Promise<StoredObject | null> {
    const path = this.check(this.location(name));
    const st = await stat(path).catch(() => null);
    return st && st.isFile() ? { name, location: path, sizeBytes: st.size, modifiedAt: st.mtime } : null;
  }
}

export function objectStoreFor(destination: BackupDestinationConfig): ObjectStore {
  return 's3' in destination ? new S3ObjectStore(destination.s3) : new DirObjectStore(destination.dir);
}
