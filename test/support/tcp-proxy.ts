import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** PostgreSQL's ReadyForQuery message: 'Z', length 5, a transaction status byte (idle, in a transaction, failed). */
function endsWithReadyForQuery(chunk: Buffer): boolean {
  const n = chunk.length;
  return n >= 6 && chunk[n - 6] === 0x5a && chunk.readInt32BE(n - 5) === 5 && [0x49, 0x54, 0x45].includes(chunk[n - 1]!);
}

/** The ErrorResponse a backend sends when the server stops (fast shutdown, pg_terminate_backend): FATAL 57P01. */
function fatalAdminShutdown(): Buffer {
  const fields = Buffer.concat([
    ...[['S', 'FATAL'], ['V', 'FATAL'], ['C', '57P01'], ['M', 'terminating connection due to administrator command']].map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0, 'latin1');
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/**
 * A TCP proxy on a random loopback port in front of a real server (PostgreSQL): `down()` cuts every
 * connection and refuses new ones, as a database that went away would; `up()` listens again.
 * `fatalAfterNextAnswer()` makes the next answer that ends a query carry the server's FATAL
 * "terminating connection" in the same read, then closes that connection: what a client sees when
 * PostgreSQL stops (fast) just as its query finished.
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private fatalArmed = false;
  port = 0;

  fatalAfterNextAnswer(): void {
    this.fatalArmed = true;
  }

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (this.fatalArmed && endsWithReadyForQuery(chunk)) {
          this.fatalArmed = false;
          // One write: the answer and the FATAL reach the client in one read, as they can from a stopping server.
          client.end(Buffer.concat([chunk, fatalAdminShutdown()]));
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      upstream.on('end', () => client.end());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
