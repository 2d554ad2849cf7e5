import { describe, expect, it } from 'vitest';
import { isRemoteFailure } from './remote-errors.js';

describe('isRemoteFailure', () => {
  it("recognises GDAL's HTTP, curl and S3 failures (as GDAL 3.6 words them)", () => {
    for (const message of [
      'HTTP error code : 401',
      'HTTP response code: 503',
      'Error returned by server : Operation timed out after 2003 milliseconds with 0 bytes received (28)',
      "CURL error: Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server",
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      'The specified key does not exist.',
      'Access Denied',
    ])
      expect(isRemoteFailure(new Error(message)), message).toBe(true);
  });

  it('leaves verdicts on the file alone', () => {
    for (const message of [
      "`/data/x.tif' not recognized as a supported file format.",
      'TIFFReadDirectory:Failed to read directory at offset 0',
    ])
      expect(isRemoteFailure(new Error(message)), message).toBe(false);
    expect(isRemoteFailure('HTTP error code : 401')).toBe(false);
  });
});
