import { ExpiringCache } from './expiring-cache';

describe('ExpiringCache', () => {
  it('returns an entry until its deadline, then forgets it', () => {
    const cache = new ExpiringCache<string, number>(10);
    cache.set('a', 1, 1000);
    expect(cache.get('a', 999)).toBe(1);
    expect(cache.get('a', 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the oldest insertion when full, and a re-set counts as new', () => {
    const cache = new ExpiringCache<string, number>(2);
    cache.set('a', 1, 1000);
    cache.set('b', 2, 1000);
    cache.set('a', 3, 1000);
    cache.set('c', 4, 1000);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(3);
    expect(cache.get('c', 0)).toBe(4);
    expect(cache.size).toBe(2);
  });

  it('deletes on demand', () => {
    const cache = new ExpiringCache<string, number>(2);
    cache.set('a', 1, 1000);
    cache.delete('a');
    expect(cache.get('a', 0)).toBeUndefined();
  });
});
