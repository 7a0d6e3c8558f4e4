/** The item whose value is the median (the upper one of an even count): a whole run, not a mean. */
export function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  return [...items].sort((x, y) => value(x) - value(y))[Math.floor(items.length / 2)]!;
}
