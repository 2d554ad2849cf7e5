/** What a token may do. `admin` implies every other capability. */
export enum Capability {
  Upload = 'upload',
  CreateLayers = 'create_layers',
  /**
   * Scrape `/metrics` (gateway and workers). A token with this capability alone is a scrape token: it is
   * refused everywhere else (`isScrapeOnly`).
   */
  Metrics = 'metrics',
  Admin = 'admin',
}

export const ALL_CAPABILITIES: readonly Capability[] = Object.values(Capability);

export function parseCapabilities(list: string): Capability[] {
  const names = list
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
  const unknown = names.filter((n) => !(ALL_CAPABILITIES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`Unknown capabilities: ${unknown.join(', ')} (known: ${ALL_CAPABILITIES.join(', ')})`);
  }
  if (names.length === 0) throw new Error('At least one capability is required');
  return [...new Set(names)] as Capability[];
}

/** Who is calling: the token's owner and what the token allows. */
export interface Principal {
  tokenId: string;
  owner: string;
  capabilities: readonly Capability[];
}

export function hasCapability(principal: Principal, capability: Capability): boolean {
  return principal.capabilities.includes(capability) || principal.capabilities.includes(Capability.Admin);
}

/**
 * A token whose only capability is `metrics`: Prometheus' credential, not an API one. It may call what
 * needs `metrics` and nothing else, not even the routes any other valid token may call, so a leaked
 * scrape token reads none of its owner's jobs or datasets. Any other capability beside it (admin
 * included) makes it an ordinary token.
 */
export function isScrapeOnly(principal: Principal): boolean {
  return principal.capabilities.length > 0 && principal.capabilities.every((c) => c === Capability.Metrics);
}

export const SCRAPE_ONLY_REFUSAL = 'This token may only scrape /metrics.';

/**
 * Why `principal` may not call something that needs every one of `required` (an empty list: any API
 * token), or null when it may. The one rule behind the gateway's guard, the queue dashboard and the
 * worker's metrics server.
 */
export function capabilityRefusal(principal: Principal, required: readonly Capability[]): string | null {
  if (isScrapeOnly(principal) && !required.includes(Capability.Metrics)) return SCRAPE_ONLY_REFUSAL;
  const missing = required.filter((c) => !hasCapability(principal, c));
  return missing.length > 0 ? `This token lacks the ${missing.map((c) => `'${c}'`).join(', ')} capability.` : null;
}
