// afterOffsetChange: runs within an hour after a zone changes its UTC offset.
import { describe, expect, it } from 'vitest';
import { afterOffsetChange } from '../src/dst-shift.js';

const at = (iso: string) => new Date(iso);

describe('afterOffsetChange', () => {
  it('marks the hour after each of Berlin’s changes, and nothing else', () => {
    // +01:00 to +02:00 at 2026-03-29T01:00Z; back at 2026-10-25T01:00Z.
    expect(afterOffsetChange(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe(false);
    expect(afterOffsetChange(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe(true);
    expect(afterOffsetChange(at('2026-03-29T01:59:59Z'), 'Europe/Berlin')).toBe(true);
    expect(afterOffsetChange(at('2026-03-29T02:00:00Z'), 'Europe/Berlin')).toBe(false);
    expect(afterOffsetChange(at('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toBe(true);
    expect(afterOffsetChange(at('2026-07-01T01:30:00Z'), 'Europe/Berlin')).toBe(false);
  });

  it('marks the changes of zones on other continents', () => {
    // New York: -05:00 to -04:00 at 2026-03-08T07:00Z; Auckland: +13:00 to +12:00 at 2026-04-04T14:00Z.
    expect(afterOffsetChange(at('2026-03-08T07:45:00Z'), 'America/New_York')).toBe(true);
    expect(afterOffsetChange(at('2026-04-04T14:30:00Z'), 'Pacific/Auckland')).toBe(true);
    // Chatham: +13:45 to +12:45 at 2026-04-04T14:00Z too.
    expect(afterOffsetChange(at('2026-04-04T14:59:00Z'), 'Pacific/Chatham')).toBe(true);
    expect(afterOffsetChange(at('2026-04-04T15:00:00Z'), 'Pacific/Chatham')).toBe(false);
  });

  it('marks nothing in a zone without changes, a fixed offset, or an unknown zone', () => {
    expect(afterOffsetChange(at('2026-03-29T01:30:00Z'), 'Asia/Tokyo')).toBe(false);
    expect(afterOffsetChange(at('2026-03-29T01:30:00Z'), 'UTC')).toBe(false);
    expect(afterOffsetChange(at('2026-03-29T01:30:00Z'), 'Not/AZone')).toBe(false);
  });
});
