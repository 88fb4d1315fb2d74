import type { DeployOperation, DeployPort, DeployReadResult, DeployRunResult, DeployTarget, LogsQuery, LogsResult } from '../../core/ports.js';
import { KubernetesDeployer, type KubectlOptions } from '../kubernetes/kubernetes-deployer.js';
import { CommandDeployer } from './command-deployer.js';

/** The DeployPort: sends each service to kubectl or to its configured commands by `deploy.kind`. */
export class ServiceDeployer implements DeployPort {
  private readonly kube: KubernetesDeployer;
  private readonly commands = new CommandDeployer();

  constructor(opts: KubectlOptions = {}) {
    this.kube = new KubernetesDeployer(opts);
  }

  status(t: DeployTarget): Promise<DeployReadResult> {
    return t.deploy.kind === 'kubernetes' ? this.kube.status(t.deploy) : this.commands.status(t.service, t.deploy);
  }

  describe(t: DeployTarget, op: DeployOperation): string[] | null {
    return t.deploy.kind === 'kubernetes' ? this.kube.describe(t.deploy, op) : this.commands.describe(t.service, t.deploy, op);
  }

  execute(t: DeployTarget, op: DeployOperation, onLine: (line: string) => void): Promise<DeployRunResult> {
    return t.deploy.kind === 'kubernetes' ? this.kube.execute(t.deploy, op, onLine) : this.commands.execute(t.service, t.deploy, op, onLine);
  }

  async logs(t: DeployTarget, q: LogsQuery): Promise<LogsResult> {
    if (t.deploy.kind === 'kubernetes') return this.kube.logs(t.deploy, q);
    return { ok: false, argv: [], problem: `${t.service} is deployed with commands, so Firebreak cannot read its pods' logs; /logs is for services with a kubernetes deploy (a read_only action can show another tool's logs).` };
  }
}
