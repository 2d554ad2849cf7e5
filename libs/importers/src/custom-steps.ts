// Deployment-specific transforms and rules. They are registered on `importerRegistry` when this lib is
// first imported, so the gateway, the worker and the CLI (`importers:check`) all know the same names
// before any importer file is loaded. See docs/importers.md for the API and an example.
import type { ImporterRegistry } from './registry.js';

export function registerCustomSteps(registry: ImporterRegistry): void {
  // e.g. registry.defineTransform('iban', { apply: (v) => (typeof v === 'string' ? v.replace(/\s+/g, '') : v) });
  void registry;
}
