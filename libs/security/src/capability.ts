/** What a token may do. `admin` implies every other capability. */
export enum Capability {
  Upload = 'upload',
  CreateLayers = 'create_layers',
  /** Scrape `/metrics` (gateway and workers); nothing else. */
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
