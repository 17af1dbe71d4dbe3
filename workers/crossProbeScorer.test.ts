import { describe, expect, it } from 'vitest';
import { defaultShortlist, MAX_DEFAULT_SHORTLIST, MIN_SHORTLIST } from './crossProbeScorer.ts';

describe('defaultShortlist', () => {
  it('fits the stage-2 budget in multiples of 50, between 50 and 1000', () => {
    expect(defaultShortlist(0.02)).toBe(400);
    expect(defaultShortlist(0.03)).toBe(250);
    expect(defaultShortlist(0.001)).toBe(MAX_DEFAULT_SHORTLIST);
    expect(defaultShortlist(1)).toBe(MIN_SHORTLIST);
    expect(defaultShortlist(0)).toBe(MAX_DEFAULT_SHORTLIST);
  });
});
