/** The run's key table: partition keys / message group IDs as strings, indexed once so records carry an integer. */
export class KeyTable {
  readonly names: string[] = [];
  private index = new Map<string, number>();

  intern(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }

  lookup(name: string): number | undefined {
    return this.index.get(name);
  }

  get size(): number {
    return this.names.length;
  }
}

/** Name of the i-th generated key: `key-0`, `key-1`, ... (shared by every producer that asks for `keys: N`). */
export function generatedKeyName(i: number): string {
  return `key-${i}`;
}
