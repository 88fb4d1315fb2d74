import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A load balancer stand-in on a random loopback port: each new TCP connection goes to the next
 * target in turn (round robin), as an L4 balancer spreads them. `hits[i]` counts connections
 * given to target i. A target that refuses is skipped for that connection, like a health-checked
 * pool would, and counted in `refused`.
 */
export class RoundRobinProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private next = 0;
  port = 0;
  readonly hits: number[];
  refused = 0;

  constructor(private readonly targets: number[]) {
    this.hits = targets.map(() => 0);
  }

  async up(): Promise<void> {
    const server = createServer((client) => {
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => client.destroy());
      client.pause();
      const attempt = (tries: number) => {
        const i = this.next++ % this.targets.length;
        const upstream = connect(this.targets[i]!, '127.0.0.1');
        let connected = false;
        upstream.once('connect', () => {
          connected = true;
          this.hits[i]!++;
          this.sockets.add(upstream);
          upstream.on('close', () => this.sockets.delete(upstream));
          upstream.on('error', () => client.destroy());
          client.on('close', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
          client.pipe(upstream).pipe(client);
          client.resume();
        });
        upstream.once('error', () => {
          if (connected) return;
          this.refused++;
          if (tries + 1 < this.targets.length) attempt(tries + 1);
          else client.destroy();
        });
      };
      attempt(0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
