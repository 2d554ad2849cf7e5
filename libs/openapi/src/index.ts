// The gateway's OpenAPI decorators, apart from @app/common and @app/security: they load @nestjs/swagger,
// which only the gateway needs. The worker imports those libs and never pays for the OpenAPI machinery
// (issue 12: its idle memory; test/unit/boundaries.spec.ts keeps it so).
export * from './problem-responses.js';
export * from './require-capabilities.js';
