import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// Container image references, by the grammar of the Distribution project's `reference` package
// (what `docker pull` accepts): [domain[:port]/]path[:tag][@sha256:<64 hex>]. Pure: it decides
// on strings, so a reference that arrives over ssh is judged exactly as one a user typed.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp('^' + DOMAIN_COMPONENT + '(?:\\.' + DOMAIN_COMPONENT + ')*(?::[0-9]{1,5})?$');
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_NAME = 255;

export interface ImageReference {
  /** The registry host, with its port, when the reference names one. */
  domain: string | null;
  /** The repository inside the registry, e.g. `team/app`. */
  path: string;
  tag: string | null;
  digest: string | null;
}

/** `domain/path` (or `path`): the repository, without tag or digest. */
export const repositoryOf = (ref: ImageReference) => (ref.domain ? `${ref.domain}/${ref.path}` : ref.path);

export function formatReference(ref: ImageReference): string {
  return `${repositoryOf(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The immutable form: repository@digest. */
export const digestReference = (ref: ImageReference, digest: string) => `${repositoryOf(ref)}@${digest}`;

export function parseImageReference(raw: string): ImageReference | undefined {
  if (raw.length === 0 || raw.length > MAX_NAME + 200) return undefined;
  let rest = raw;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | null = null;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (rest.length === 0 || rest.length > MAX_NAME) return undefined;
  const parts = rest.split('/');
  let domain: string | null = null;
  // Docker's rule: the first component is a registry when it has a dot or a port, or is localhost.
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) return undefined;
  }
  if (parts.length === 0 || !parts.every((part) => PATH_COMPONENT.test(part))) return undefined;
  return { domain, path: parts.join('/'), tag, digest };
}

export function assertImageReference(raw: string | undefined): ImageReference {
  if (!raw) throw new UserError('Please specify an image reference, for example registry.example.com/team/app@sha256:…');
  const ref = parseImageReference(raw);
  if (!ref) {
    throw new UserError(
      `Invalid image reference "${printable(raw)}": expected [registry[:port]/]repository[:tag][@sha256:<64 hex digits>], lowercase`,
    );
  }
  return ref;
}

/** Promotions address an image only by digest: a tag can move between push and pull. */
export function assertDigestReference(raw: string | undefined): ImageReference & { digest: string } {
  const ref = assertImageReference(raw);
  if (!ref.digest) throw new UserError(`Image reference "${printable(raw ?? '')}" has no digest: a promotion accepts only repository@sha256:<digest>`);
  return ref as ImageReference & { digest: string };
}

/**
 * A pipeline's registry: `host[:port]` or `host[:port]/namespace`. The host must read as a
 * registry to docker (a dot, a port, or localhost), or docker would take it for a Docker Hub user.
 */
export function registryProblem(raw: string): string | undefined {
  const slash = raw.indexOf('/');
  const domain = slash === -1 ? raw : raw.slice(0, slash);
  const namespace = slash === -1 ? '' : raw.slice(slash + 1);
  if (!DOMAIN.test(domain) || !(/[.:]/.test(domain) || domain === 'localhost')) {
    return 'expected host[:port] or host[:port]/namespace, with a host name that has a dot or a port (e.g. registry.example.com/team)';
  }
  if (slash !== -1 && !namespace.split('/').every((part) => PATH_COMPONENT.test(part))) {
    return 'the namespace must be lowercase path components (letters, digits, . _ -) separated by /';
  }
  if (raw.length > 200) return 'too long';
  return undefined;
}

/** Where a release of `app` goes in the registry, under an immutable tag of its own. */
export function registryImage(registry: string, app: string, releaseId: number, imageId: string): string {
  const short = imageId.replace(/^sha256:/, '').slice(0, 12);
  return `${registry.replace(/\/+$/, '')}/${app}:${app}-v${releaseId}-${short}`;
}
