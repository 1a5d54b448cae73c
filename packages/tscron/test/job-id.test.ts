import { expect, test } from 'vitest';
import { newJobId } from '../src/job-id.js';

test('job ids are distinct version 4 UUIDs', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = newJobId();
    if (i < 1000) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    ids.add(id);
  }
  expect(ids.size).toBe(20_000);
});
