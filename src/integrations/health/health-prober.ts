import type { CheckConfig } from '../../config/schema.js';
import type { HealthProber, ProbeResult } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import { probeHttp } from './http-probe.js';
import { probeTcp } from './tcp-probe.js';
import { probeCommand } from './command-probe.js';
import { probeJson } from './json-probe.js';
import { probeTls } from './tls-probe.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

/** How to check Firebreak's own store without a second connection (PGlite allows only one). */
export interface OwnStoreProbe {
  description: string;
  ping(): Promise<string>;
}

export class NetworkHealthProber implements HealthProber {
  constructor(
    private readonly ownStore: OwnStoreProbe,
    private readonly redactor: Redactor,
  ) {}

  async probe(check: CheckConfig): Promise<ProbeResult> {
    const result = await this.dispatch(check);
    return { ...result, detail: this.redactor.redact(result.detail), target: this.redactor.redact(result.target) };
  }

  private async dispatch(check: CheckConfig): Promise<ProbeResult> {
    switch (check.type) {
      case 'http':
        return probeHttp(check);
      case 'tcp':
        return probeTcp(check);
      // The redis and postgres drivers load with the first check that needs them, not with every process.
      case 'redis':
        return (await import('./redis-probe.js')).probeRedis(check);
      case 'tls':
        return probeTls(check);
      case 'json':
        return probeJson(check);
      case 'command':
        return probeCommand(check);
      case 'postgres':
        if (check.url) return (await import('./postgres-probe.js')).probePostgres({ url: check.url, timeout_ms: check.timeout_ms });
        return this.probeOwnStore(check.timeout_ms);
    }
  }

  private async probeOwnStore(timeoutMs: number): Promise<ProbeResult> {
    const started = performance.now();
    try {
      const detail = await withTimeout(timeoutMs, () => this.ownStore.ping());
      return { ok: true, latencyMs: Math.round(performance.now() - started), target: this.ownStore.description, detail };
    } catch (err) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), target: this.ownStore.description, detail: describeNetworkError(err) };
    }
  }
}
