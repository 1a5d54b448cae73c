// A small reader of the Prometheus text exposition format, enough to check what a scrape says.
import type { Registry, RegistryContentType } from 'prom-client';

/** One scrape: each sample's value by `name{label="value",...}` with labels sorted, and each family's type. */
export interface Scrape {
  readonly samples: Map<string, number>;
  readonly types: Map<string, string>;
  /** A sample's value; undefined when the scrape has no such sample. */
  value(name: string, labels?: Record<string, string | number>): number | undefined;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Reads exposition text; throws on a line it does not understand. */
export function parseExposition(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name as string, type as string);
      continue;
    }
    if (line.startsWith('#')) continue; // # UNIT, # EOF (OpenMetrics)
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    const value = match[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[3]);
    if (Number.isNaN(value) && match[3] !== 'NaN') throw new Error(`bad value in: ${line}`);
    samples.set(key(match[1] as string, labels), value);
  }
  return { samples, types, value: (name, labels = {}) => samples.get(key(name, labels)) };
}

function key(name: string, labels: Record<string, string | number>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((label) => `${label}="${labels[label]}"`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** Scrapes a registry and parses what it says. */
export async function scrape<T extends RegistryContentType>(registry: Registry<T>): Promise<Scrape> {
  return parseExposition(await registry.metrics());
}
