import { DomainError, ErrorCode } from '@app/common';

/** Why the guard refused a URL. Address-class rules come from `AddressRule`; these are about the URL itself. */
export enum UrlRule {
  Malformed = 'malformed-url',
  Scheme = 'scheme',
  Credentials = 'credentials-in-url',
  NoAddress = 'no-address',
  TooManyRedirects = 'too-many-redirects',
}

const RULE_TEXT: Record<string, string> = {
  'malformed-url': 'it is not a valid absolute URL',
  scheme: 'only http and https URLs are fetched',
  'credentials-in-url': 'it carries credentials; send a service token in the `token` field instead',
  'no-address': 'its host has no address',
  'too-many-redirects': 'it redirects more than 5 times',
};

/**
 * A URL the SSRF guard will not fetch: 422 `…/ssrf-refused` with the rule that refused it. The message
 * names the rule and at most the host the user sent, never an address it resolved to.
 */
export class SsrfRefusedError extends DomainError {
  constructor(
    readonly rule: string,
    host?: string,
  ) {
    const reason =
      RULE_TEXT[rule] ??
      `${host ? `its host ${JSON.stringify(host)}` : 'its host'} is or resolves to a ${rule} address, which is not allowed`;
    super(ErrorCode.SsrfRefused, `The URL was refused: ${reason} (rule: ${rule}).`, { rule });
  }

  /**
   * The same refusal for a request the user did not write (a redirect, a page link the service gave):
   * it names neither the host nor the address, only the rule.
   */
  static forFollowUp(error: SsrfRefusedError): SsrfRefusedError {
    const followUp = new SsrfRefusedError(error.rule);
    followUp.message = `The service led to a URL that was refused: ${RULE_TEXT[error.rule] ?? `its host is or resolves to a ${error.rule} address, which is not allowed`} (rule: ${error.rule}).`;
    return followUp;
  }
}

/** The remote service could not be reached (DNS failure, connection refused or reset): 502. */
export class ServiceUnreachableError extends DomainError {
  constructor(message = 'The remote service could not be reached.') {
    super(ErrorCode.UpstreamFailed, message);
  }
}

/** The remote service took longer than the connect or total timeout: 504. */
export class ServiceTimeoutError extends DomainError {
  constructor(message = 'The remote service did not answer in time.') {
    super(ErrorCode.Timeout, message);
  }
}

/** The remote answer passed the response-size cap: 502. */
export class ServiceResponseTooLargeError extends DomainError {
  constructor(limit: number) {
    super(ErrorCode.UpstreamFailed, `The remote service's answer exceeded ${limit} bytes.`);
  }
}
