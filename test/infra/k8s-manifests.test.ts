import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../services/gateway/src/config.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { envFileKeys, envFileValues, find, K8S_DIR, kustomize, OVERLAYS, renderOverlay, type K8sObject, type Overlay } from './k8s-render.js';
import { schemaProblems } from './k8s-schemas.js';

/** main.ts exits this long after DRAIN_TIMEOUT_MS when a drain hangs. */
const PROCESS_EXIT_GRACE_MS = 2000;
const GATEWAY = 'chat-gateway';

const rendered = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, renderOverlay(overlay)])) as Record<Overlay, K8sObject[]>;

const as = <T>(object: K8sObject): T => object as unknown as T;
const deploymentOf = (overlay: Overlay) => as<IDeployment>(find(rendered[overlay], 'Deployment', GATEWAY));
const gatewayContainer = (overlay: Overlay) => {
  const container = deploymentOf(overlay).spec?.template.spec?.containers.find((candidate) => candidate.name === 'gateway');
  if (!container) throw new Error(`${overlay}: the Deployment has no container named gateway`);
  return container;
};

/** The settings a gateway pod of the overlay starts with: its ConfigMap, env, and the example Secrets. */
function podEnvironment(overlay: Overlay): { names: string[]; values: Record<string, string> } {
  const container = gatewayContainer(overlay);
  const names: string[] = [];
  const values: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const configMap = source.configMapRef?.name;
    if (configMap !== undefined) {
      const data = as<IConfigMap>(find(rendered[overlay], 'ConfigMap', configMap)).data ?? {};
      names.push(...Object.keys(data));
      Object.assign(values, data);
    }
    const secret = source.secretRef?.name;
    if (secret !== undefined) {
      // A Secret the operator creates: its keys are documented in <name>.env.example (base or production).
      const file = `${secret.replace(/^chat-(gateway-)?/, '')}.env.example`;
      const example = [join(K8S_DIR, 'base', file), join(K8S_DIR, 'overlays', 'production', file)].find((path) => existsSync(path));
      if (example === undefined) throw new Error(`the Secret ${secret} has no ${file} documenting its keys`);
      names.push(...envFileKeys(example));
      Object.assign(values, envFileValues(example));
    }
  }
  for (const variable of container.env ?? []) {
    names.push(variable.name);
    values[variable.name] = variable.value ?? `${overlay}-pod-0`;
  }
  return { names, values };
}

describe('infra/k8s', () => {
  it('the base renders on its own', () => {
    expect(kustomize(join(K8S_DIR, 'base')).map((object) => object.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceMonitor'],
    );
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = rendered[overlay];

    it('every object passes the Kubernetes (and prometheus-operator) schemas', () => {
      expect(objects.length).toBeGreaterThan(6);
      expect(objects.flatMap(schemaProblems)).toEqual([]);
    });

    it('sets only environment variables the gateway knows, with values it accepts', () => {
      const { names, values } = podEnvironment(overlay);
      expect(names.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
      const config = loadConfig(values);
      expect(config.redis).toBeDefined();
      expect(config.port).toBe(8080);
    });

    it('gives the drain time to finish: preStop pause + DRAIN_TIMEOUT_MS + exit grace < terminationGracePeriodSeconds', () => {
      const { values } = podEnvironment(overlay);
      const preStop = gatewayContainer(overlay).lifecycle?.preStop?.exec?.command ?? [];
      expect(preStop[0]).toBe('sleep');
      const pauseMs = Number(preStop[1]) * 1000;
      expect(pauseMs).toBeGreaterThan(0);
      const graceMs = (deploymentOf(overlay).spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      expect(pauseMs + loadConfig(values).drainTimeoutMs + PROCESS_EXIT_GRACE_MS).toBeLessThan(graceMs);
    });

    it('runs the gateway locked down: non-root, read-only root filesystem, no privilege escalation, resources set', () => {
      const pod = deploymentOf(overlay).spec?.template.spec;
      const container = gatewayContainer(overlay);
      expect(pod?.securityContext?.runAsNonRoot).toBe(true);
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(container.securityContext?.capabilities?.drop).toContain('ALL');
      expect(container.resources?.requests?.cpu).toBeDefined();
      expect(container.resources?.limits?.memory).toBeDefined();
      const spreadKeys = (pod?.topologySpreadConstraints ?? []).map((constraint) => constraint.topologyKey);
      expect(spreadKeys).toEqual(expect.arrayContaining(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']));
      expect(deploymentOf(overlay).spec?.replicas).toBeUndefined();
    });

    it('points the Service, PDB, NetworkPolicy and ServiceMonitor at the gateway pods, and the HPA at the Deployment', () => {
      const podLabels = deploymentOf(overlay).spec?.template.metadata?.labels ?? {};
      const matches = (selector: Record<string, string> | undefined) => {
        expect(selector && Object.keys(selector).length).toBeGreaterThan(0);
        for (const [key, value] of Object.entries(selector ?? {})) expect(podLabels[key]).toBe(value);
      };
      const service = as<IService>(find(objects, 'Service', GATEWAY));
      matches(service.spec?.selector);
      expect(service.spec?.sessionAffinity ?? 'None').toBe('None');
      matches(as<IPodDisruptionBudget>(find(objects, 'PodDisruptionBudget', GATEWAY)).spec?.selector?.matchLabels);
      matches(as<INetworkPolicy>(find(objects, 'NetworkPolicy', GATEWAY)).spec?.podSelector?.matchLabels);
      const monitor = as<IServiceMonitor>(find(objects, 'ServiceMonitor', GATEWAY));
      for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels ?? {})) expect(service.metadata?.labels?.[key]).toBe(value);
      expect(monitor.spec.endpoints?.map((endpoint) => [endpoint.port, endpoint.path])).toEqual([['http', '/metrics']]);
      const hpa = as<IHorizontalPodAutoscaler>(find(objects, 'HorizontalPodAutoscaler', GATEWAY));
      expect(hpa.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: GATEWAY });
      const metrics = (hpa.spec?.metrics ?? []).map((metric) => metric.resource?.name ?? metric.pods?.metric.name);
      expect(metrics).toEqual(['cpu', 'chat_connections']);
    });

    it('keeps every Deployment, HPA and PDB bound consistent', () => {
      const hpa = as<IHorizontalPodAutoscaler>(find(objects, 'HorizontalPodAutoscaler', GATEWAY)).spec;
      const pdb = as<IPodDisruptionBudget>(find(objects, 'PodDisruptionBudget', GATEWAY)).spec;
      expect(typeof pdb?.minAvailable).toBe('number');
      // A PDB that demands every replica would block node drains forever.
      expect(Number(pdb?.minAvailable)).toBeLessThan(hpa?.minReplicas ?? 1);
    });
  });

  it('dev runs one Redis with AOF on a volume, and an ingress-nginx Ingress with the proxy settings of infra/nginx', () => {
    const redis = find(rendered.dev, 'StatefulSet', 'redis') as K8sObject & { spec: { template: { spec: { containers: Array<{ args: string[] }> } }; volumeClaimTemplates: unknown[] } };
    expect(redis.spec.template.spec.containers[0]?.args.join(' ')).toContain('--appendonly yes');
    expect(redis.spec.volumeClaimTemplates).toHaveLength(1);
    const ingress = as<IIngress>(find(rendered.dev, 'Ingress', GATEWAY));
    expect(ingress.spec?.ingressClassName).toBe('nginx');
    expect(ingress.metadata?.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-next-upstream': 'error timeout http_503',
    });
    expect(ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/affinity']).toBeUndefined();
    expect(ingress.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name).toBe(GATEWAY);
  });

  it('production reads Redis from the Secret chat-redis, with PDB minAvailable and wider HPA bounds', () => {
    expect(gatewayContainer('production').envFrom?.find((source) => source.secretRef?.name === 'chat-redis')?.secretRef?.optional).not.toBe(true);
    expect(loadConfig(podEnvironment('production').values).redis?.mode).toBe('cluster');
    expect(as<IPodDisruptionBudget>(find(rendered.production, 'PodDisruptionBudget', GATEWAY)).spec?.minAvailable).toBe(2);
    expect(as<IHorizontalPodAutoscaler>(find(rendered.production, 'HorizontalPodAutoscaler', GATEWAY)).spec).toMatchObject({ minReplicas: 3, maxReplicas: 30 });
  });

  describe('probe paths on a real gateway', () => {
    let node: TestNode | undefined;
    beforeAll(async () => {
      node = await startNode('k8s-probes', undefined);
    });
    afterAll(async () => {
      await node?.drain();
    });

    it.each(OVERLAYS)('%s: every probe path answers 200', async (overlay) => {
      const container = gatewayContainer(overlay);
      const probes = [container.readinessProbe, container.livenessProbe, container.startupProbe];
      const paths = probes.map((probe) => probe?.httpGet?.path);
      expect(paths).toEqual(['/readyz', '/healthz', '/healthz']);
      for (const probe of probes) expect(probe?.httpGet?.port).toBe(container.ports?.[0]?.name);
      for (const path of paths) {
        const response = await fetch(`${node?.http}${path}`);
        expect(response.status, path).toBe(200);
      }
    });
  });
});
