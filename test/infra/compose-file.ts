import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The parts of a compose service this project's checks look at; everything else stays unknown. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly dockerfile?: string };
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly ports?: readonly string[];
  readonly expose?: readonly string[];
  readonly volumes?: readonly string[];
  readonly depends_on?: Readonly<Record<string, { readonly condition?: string }>>;
  readonly healthcheck?: { readonly test?: readonly string[] };
  readonly stop_grace_period?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses docker-compose.yml (YAML merge keys resolved) into its services. */
export function readComposeServices(path: string): Record<string, ComposeService> {
  const document: unknown = parse(readFileSync(path, 'utf8'), { merge: true });
  if (!isRecord(document) || !isRecord(document.services)) throw new Error(`${path} has no services map`);
  const services: Record<string, ComposeService> = {};
  for (const [name, service] of Object.entries(document.services)) {
    if (!isRecord(service)) throw new Error(`service ${name} is not a map`);
    services[name] = service;
  }
  return services;
}

/** The names of the top-level (named) volumes of docker-compose.yml. */
export function readComposeVolumeNames(path: string): string[] {
  const document: unknown = parse(readFileSync(path, 'utf8'), { merge: true });
  return isRecord(document) && isRecord(document.volumes) ? Object.keys(document.volumes) : [];
}
