import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BackupDestinationConfig } from '../../config/schema.js';

/** Where backup objects live. `put` must leave nothing behind when `body` errors. */
export interface ObjectStore {
  location(key: string): string;
  put(location: string, body: Readable): Promise<void>;
  get(location: string): Promise<Readable>;
  remove(location: string): Promise<void>;
}

type S3Destination = Extract<BackupDestinationConfig, { s3: unknown }>['s3'];

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;

  constructor(private readonly cfg: S3Destination) {
    this.client = new S3Client({
      region: cfg.region,
      endpoint: cfg.endpoint,
      forcePathStyle: cfg.force_path_style,
      credentials: cfg.access_key_id && cfg.secret_access_key ? { accessKeyId: cfg.access_key_id, secretAccessKey: cfg.secret_access_key } : undefined,
      // A refused request should fail the backup now, not after minutes of retries.
      maxAttempts: 2,
    });
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

  async put(location: string, body: Readable): Promise<void> {
    const { bucket, key } = this.parse(location);
    // Multipart with at most queueSize parts in memory: flat memory whatever the size.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: 'application/gzip' },
      partSize: this.cfg.part_size_mb * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      await upload.abort().catch(() => {});
      throw new Error(`upload to ${location} failed: ${s3Message(err)}`);
    }
  }

  async get(location: string): Promise<Readable> {
    const { bucket, key } = this.parse(location);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body as Readable;
    } catch (err) {
      throw new Error(`download of ${location} failed: ${s3Message(err)}`);
    }
  }

  async remove(location: string): Promise<void> {
    const { bucket, key } = this.parse(location);
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }
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

  async put(location: string, body: Readable): Promise<void> {
    const path = this.check(location);
    const partial = `${path}.partial`;
    await mkdir(dirname(path), { recursive: true });
    try {
      await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
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

  async remove(location: string): Promise<void> {
    await rm(this.check(location), { force: true });
  }
}

export function objectStoreFor(destination: BackupDestinationConfig): ObjectStore {
  return 's3' in destination ? new S3ObjectStore(destination.s3) : new DirObjectStore(destination.dir);
}
