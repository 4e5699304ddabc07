// A small seeded random generator for the fuzz tests, so that any failure replays:
// every fuzz test prints its seed, and DRYDOCK_FUZZ_SEED=<seed> runs the same inputs
// again. Also a tally of inputs tried per family, printed as a table.
import crypto from 'node:crypto';

/** mulberry32: 32 bits of state, fast, and good enough to pick inputs. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: DRYDOCK_FUZZ_SEED if set, else a fresh one; printed either way. */
export function fuzzSeed(label: string): number {
  const given = process.env.DRYDOCK_FUZZ_SEED;
  const seed = given !== undefined && given.trim() !== '' ? Number(given) >>> 0 : crypto.randomBytes(4).readUInt32LE(0);
  if (given !== undefined && given.trim() !== '' && !Number.isFinite(Number(given))) throw new Error(`DRYDOCK_FUZZ_SEED must be a number, got ${given}`);
  console.log(`[fuzz] ${label}: seed ${seed} (replay with DRYDOCK_FUZZ_SEED=${seed})`);
  return seed;
}

const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

export class Rng {
  private readonly next: () => number;

  constructor(readonly seed: number) {
    this.next = mulberry32(seed);
  }

  /** A child generator: its own stream, derived from this one (so families do not shift each other). */
  fork(label: string): Rng {
    let hash = this.seed ^ 0x9e3779b9;
    for (const char of label) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    return new Rng(hash >>> 0);
  }

  float(): number {
    return this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((sum, [weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [weight, value] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1][1];
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += 4) {
      const word = (this.next() * 4294967296) >>> 0;
      for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** A string of `length` characters from `alphabet` (printable ASCII by default). */
  string(length: number, alphabet = PRINTABLE): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  /** A length skewed towards small values but sometimes large: 0..max. */
  length(max: number): number {
    return Math.floor(Math.pow(this.next(), 3) * (max + 1));
  }
}

/** Inputs tried, per family; `expect` compares with what the test planned. */
export class FuzzTally {
  readonly counts = new Map<string, number>();

  add(family: string, count = 1): void {
    this.counts.set(family, (this.counts.get(family) ?? 0) + count);
  }

  get(family: string): number {
    return this.counts.get(family) ?? 0;
  }

  total(): number {
    return [...this.counts.values()].reduce((sum, count) => sum + count, 0);
  }

  table(title: string, extra: Record<string, Record<string, number | string>> = {}): string {
    const families = [...this.counts.keys()];
    const columns = [...new Set(Object.values(extra).flatMap((row) => Object.keys(row)))];
    const width = Math.max(6, ...families.map((family) => family.length));
    const header = `${'family'.padEnd(width)}  ${'inputs'.padStart(7)}${columns.map((column) => `  ${column.padStart(8)}`).join('')}`;
    const rows = families.map(
      (family) =>
        `${family.padEnd(width)}  ${String(this.get(family)).padStart(7)}${columns.map((column) => `  ${String(extra[family]?.[column] ?? '').padStart(8)}`).join('')}`,
    );
    return [`[fuzz] ${title}`, header, ...rows, `${'total'.padEnd(width)}  ${String(this.total()).padStart(7)}`].join('\n');
  }
}
