import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const K8S_DIR = join(import.meta.dirname, '..', '..', 'infra', 'k8s');
export const OVERLAYS = ['dev', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** A rendered Kubernetes object, as plain data until a schema has checked it. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly [field: string]: unknown;
}

function isK8sObject(value: unknown): value is K8sObject {
  if (typeof value !== 'object' || value === null) return false;
  const { apiVersion, kind, metadata } = value as Record<string, unknown>;
  return typeof apiVersion === 'string' && typeof kind === 'string' && typeof metadata === 'object' && metadata !== null && typeof (metadata as Record<string, unknown>).name === 'string';
}

/** `kubectl kustomize <dir>`: every object of the rendering; throws with kubectl's message on failure. */
export function kustomize(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw new Error(`kubectl is not installed: run \`bash scripts/install-system-deps.sh\` (${result.error.message})`);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document, index) => {
    const value: unknown = document.toJS();
    if (!isK8sObject(value)) throw new Error(`document ${index} of ${dir} is not a Kubernetes object`);
    return value;
  });
}

export function renderOverlay(overlay: Overlay): K8sObject[] {
  return kustomize(join(K8S_DIR, 'overlays', overlay));
}

/** The one object of `kind` named `name`; throws when absent. */
export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in ${objects.map((object) => `${object.kind}/${object.metadata.name}`).join(', ')}`);
  return found;
}

/** `KEY=value` lines of an env file (comments and blank lines skipped, commented-out keys kept). */
export function envFileKeys(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);
}

/** `KEY=value` lines of an env file that are set (not commented out). */
export function envFileValues(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[1] !== undefined) values[match[1]] = match[2] ?? '';
  }
  return values;
}
