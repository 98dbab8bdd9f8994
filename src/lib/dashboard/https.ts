/**
 * Whether the browser's request came over https: the connection's own scheme, or the
 * X-Forwarded-Proto of a proxy we trust (Dokku's nginx), named by the peer's address. Any other
 * peer's header is ignored: anyone can send it.
 */
export function requestIsHttps(request: { url: string; peer: string | undefined; forwardedProto: string | undefined }, trustedProxies: ReadonlySet<string>): boolean {
  if (new URL(request.url).protocol === 'https:') return true;
  return request.peer !== undefined && trustedProxies.has(request.peer) && request.forwardedProto === 'https';
}
