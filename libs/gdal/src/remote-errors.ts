/**
 * GDAL's wording for a failed remote read (/vsis3/, /vsicurl/…): "HTTP error code : 503", "HTTP response
 * code: 403", "CURL error: …", and the messages of S3 error responses it passes on (a signature or key
 * refused, access denied, a missing bucket or object, throttling). Such a failure says nothing about the
 * file, so it is never turned into a user-facing verdict: the error goes up with GDAL's text, for the
 * worker to classify (an outage, a refused credential…).
 */
const REMOTE_FAILURE = new RegExp(
  [
    'HTTP error code',
    'HTTP response code',
    'curl error',
    // libcurl's timeout, as GDAL passes it on ("Operation timed out after 2003 milliseconds …").
    'Operation timed out',
    'signature we calculated does not match',
    'Access Key Id you provided does not exist',
    'Access Denied',
    'The specified (?:bucket|key) does not exist',
    'reduce your request rate',
  ].join('|'),
  'i',
);

export function isRemoteFailure(error: unknown): boolean {
  return error instanceof Error && REMOTE_FAILURE.test(error.message);
}
