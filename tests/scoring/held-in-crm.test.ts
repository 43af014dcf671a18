import { describe, expect, it } from '@jest/globals';
import { sameFieldValue } from '../../server/scoring/held-in-crm.js';

describe('a written value against the one the CRM gives back', () => {
  it('is the same value however the CRM spells an empty field or a number', () => {
    expect(sameFieldValue('', null)).toBe(true);
    expect(sameFieldValue(null, undefined)).toBe(true);
    expect(sameFieldValue('80.0', '80')).toBe(true);
    expect(sameFieldValue('12.3', '12.30')).toBe(true);
    expect(sameFieldValue('high', 'high')).toBe(true);
  });

  it('is another value when the CRM holds something else, so the write is sent again', () => {
    expect(sameFieldValue('high', null)).toBe(false);
    expect(sameFieldValue('12.3', '')).toBe(false);
    expect(sameFieldValue('12.3', '12.4')).toBe(false);
    expect(sameFieldValue('high', 'High')).toBe(false);
    expect(sameFieldValue('80', '80 points')).toBe(false);
  });
});
