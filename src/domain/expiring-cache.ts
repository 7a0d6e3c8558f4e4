/**
 * A bounded map whose entries lapse at their own deadline (milliseconds, from the caller's clock).
 * When full, the oldest insertion goes first: hot keys are re-inserted as they lapse, so they stay.
 */
export class ExpiringCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();

  constructor(private readonly limit: number) {}

  get(key: K, nowMs: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (nowMs < entry.until) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: K, value: V, untilMs: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: untilMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
