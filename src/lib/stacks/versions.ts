import { SCHEMA_VERSIONS, type SchemaVersions } from '../schema-version.js';

// What `ownstack:version --format json` of another host says, and where it differs from this
// host. Hosts of one pipeline exchange images, records and commands: they should run one version.

export interface VersionAnswer {
  version: string;
  /** null from ownstack before 0.2.0, which did not say. */
  commit: string | null;
  schema_versions: SchemaVersions;
}

/** ownstack before 0.2.0 named no formats: it read format 1 of every file. */
const BEFORE_0_2: SchemaVersions = { releases: 1, pipelines: 1, stacks: 1 };

/** The answer of `ownstack:version --format json`, or undefined when it is not one. */
export function parseVersionAnswer(stdout: string): VersionAnswer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim());
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { version, commit, schema_versions: schemas } = json as Record<string, unknown>;
  if (typeof version !== 'string') return undefined;
  const schemaVersions = { ...BEFORE_0_2 };
  if (typeof schemas === 'object' && schemas !== null) {
    for (const file of Object.keys(BEFORE_0_2) as (keyof SchemaVersions)[]) {
      const value = (schemas as Record<string, unknown>)[file];
      if (typeof value === 'number' && Number.isInteger(value)) schemaVersions[file] = value;
    }
  }
  return { version, commit: typeof commit === 'string' ? commit : null, schema_versions: schemaVersions };
}

/** One line per stack that runs another version, or reads other formats, than this host. */
export function versionWarnings(
  here: { version: string; schema_versions: SchemaVersions },
  stacks: { stack: string; answer: VersionAnswer }[],
): string[] {
  const lines: string[] = [];
  for (const { stack, answer } of stacks) {
    if (answer.version !== here.version) {
      lines.push(`Stack ${stack} runs ownstack ${answer.version}, this host ${here.version}: upgrade the older one so both run the same version`);
    }
    const differing = (Object.keys(SCHEMA_VERSIONS) as (keyof SchemaVersions)[])
      .filter((file) => answer.schema_versions[file] !== here.schema_versions[file])
      .map((file) => `${file} ${answer.schema_versions[file]} (here ${here.schema_versions[file]})`);
    if (differing.length > 0) lines.push(`Stack ${stack} reads other schema versions: ${differing.join(', ')}`);
  }
  return lines;
}
