// Types of hostile-corpus.mjs for the unit tests (tsconfig.json checks test/unit, not test/e2e).
export interface HostileCase {
  args?: string[];
  stdin?: (string | [string, number])[];
  config_file?: string;
  app?: string;
  expect?: Record<string, string>;
  why: string;
}
export const CORPUS_FILE: string;
export function readCorpus(file?: string): HostileCase[];
export function refusedThroughTheHost(cases: HostileCase[]): HostileCase[];
