import { z } from 'zod';

/** The parts of apps/v1 objects Firebreak reads; everything else kubectl prints is ignored. */
const podTemplate = z.object({
  metadata: z.object({ annotations: z.record(z.string(), z.string()).optional() }).loose().optional(),
  spec: z.object({ containers: z.array(z.object({ name: z.string(), image: z.string().optional() }).loose()) }).loose(),
}).loose();

const annotations = z.record(z.string(), z.string()).optional();

export const deploymentSchema = z.object({
  kind: z.literal('Deployment'),
  metadata: z.object({ name: z.string(), namespace: z.string().optional(), uid: z.string(), generation: z.number().optional(), annotations }).loose(),
  spec: z.object({
    replicas: z.number().int().optional(),
    selector: z.object({ matchLabels: z.record(z.string(), z.string()).optional() }).loose(),
    template: podTemplate,
  }).loose(),
  status: z.object({
    observedGeneration: z.number().optional(),
    replicas: z.number().optional(),
    updatedReplicas: z.number().optional(),
    readyReplicas: z.number().optional(),
    availableReplicas: z.number().optional(),
  }).loose().optional(),
}).loose();
export type KubeDeployment = z.infer<typeof deploymentSchema>;

export const replicaSetListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({
        name: z.string(),
        creationTimestamp: z.string().optional(),
        annotations,
        ownerReferences: z.array(z.object({ uid: z.string(), kind: z.string(), controller: z.boolean().optional() }).loose()).optional(),
      }).loose(),
      spec: z.object({ template: podTemplate }).loose(),
    }).loose(),
  ),
}).loose();
export type KubeReplicaSetList = z.infer<typeof replicaSetListSchema>;

export const REVISION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE = 'kubernetes.io/change-cause';

export function imageIn(template: z.infer<typeof podTemplate>, container?: string): string | null {
  const cs = template.spec.containers;
  // A configured container that is missing reads as unknown: a sidecar's image on a rollback card
  // would name the wrong thing.
  const c = container ? cs.find((x) => x.name === container) : cs[0];
  return c?.image ?? null;
}

export const podListSchema = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }).loose(),
      status: z.object({
        phase: z.string().optional(),
        containerStatuses: z.array(
          z.object({
            name: z.string(),
            ready: z.boolean().optional(),
            restartCount: z.number().int().optional(),
            state: z.object({ waiting: z.object({ reason: z.string().optional() }).loose().optional(), terminated: z.object({ reason: z.string().optional() }).loose().optional() }).loose().optional(),
          }).loose(),
        ).optional(),
      }).loose().optional(),
    }).loose(),
  ),
}).loose();
