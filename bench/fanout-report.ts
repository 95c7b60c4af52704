/** What bench/fanout.ts and its client processes (bench/fanout-clients.ts) share. */

/** Latency histogram resolution: 0.1 ms. */
export const BUCKETS_PER_MS = 10;

/** Every comment carries its label in its body, so each delivery can be matched to its post. */
export const marker = (label: string) => `#bench-${label}#`;
export const MARKER = /#bench-([a-z0-9-]+)#/;

export interface ClientReport {
  subscribers: number;
  delivered: number;
  duplicates: number;
  /** Labels as this process's first subscriber got them: every other subscriber, in every process, must get the same order. */
  order: string[];
  /** Subscribers here whose order differs from `order`. */
  reordered: number;
  /** [latency bucket (ms x BUCKETS_PER_MS), deliveries]. */
  histogram: Array<[number, number]>;
  unexpected: string[];
  closedEarly: number;
  firstClose: { code: number; reason: string } | null;
  /** One delivery as the wire carried it: the baseline sends exactly this. */
  sample: { label: string; raw: string } | null;
}

