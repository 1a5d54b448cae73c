import { readFileSync } from 'node:fs';
import { PrometheusMonitor } from '@tscron/prometheus';
import { describe, expect, it } from 'vitest';

interface Panel {
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
}

const dashboard = JSON.parse(readFileSync(new URL('../grafana/tscron.json', import.meta.url), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; definition?: string }[] };
};

/** Every series name the monitor exports: its metrics, and a histogram's _bucket, _sum and _count. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await new PrometheusMonitor().registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

/** Grafana's reference to the data source variable. */
const DATASOURCE = '$' + '{datasource}';

const namesIn = (expr: string): string[] => expr.match(/\btscron_[a-zA-Z0-9_:]*/g) ?? [];

describe('the Grafana dashboard', () => {
  it('has the panels the package promises', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const title of [
      'Runs by status',
      'Failures by job',
      'Lateness p99',
      'Duration p95',
      'Running jobs',
      'Leader',
    ]) {
      expect(titles).toContain(title);
    }
    expect(new Set(dashboard.panels.map((panel) => (panel as { id?: number }).id)).size).toBe(titles.length);
  });

  it('asks only for metrics the monitor exports', async () => {
    const exported = await exportedNames();
    const expressions = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      ...dashboard.templating.list.map((variable) => variable.definition ?? ''),
    ];
    expect(expressions.length).toBeGreaterThan(10);
    const used = expressions.flatMap(namesIn);
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(exported, name).toContain(name);
    // Every panel's query is about tscron and filters on the job variable, or is a whole-fleet figure.
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets ?? []) expect(namesIn(expr).length, expr).toBeGreaterThan(0);
    }
  });

  it('takes its data source and jobs from variables', () => {
    const variables = new Map(dashboard.templating.list.map((variable) => [variable.name, variable]));
    expect(variables.get('datasource')?.type).toBe('datasource');
    expect(variables.get('datasource')?.query).toBe('prometheus');
    expect(variables.get('job')?.definition).toBe('label_values(tscron_job_runs_total, job)');
    for (const panel of dashboard.panels) {
      expect(panel.datasource?.uid, panel.title).toBe(DATASOURCE);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe(DATASOURCE);
    }
    const filtered = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .filter((t) => t.expr.includes('job=~"$job"'));
    expect(filtered.length).toBeGreaterThanOrEqual(8);
  });
});
