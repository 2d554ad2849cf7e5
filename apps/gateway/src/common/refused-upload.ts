import type { Request, Response } from 'express';

/** A refused upload body up to this size is read and discarded rather than cut off. */
export const DRAIN_LIMIT_BYTES = 1024 * 1024;

/**
 * Ends the request side of an upload that is being refused while the client may still be sending.
 * A small declared body is read to its end and dropped, so a client still writing gets the answer
 * (closing with unread bytes makes the kernel reset the connection, and the client sees EPIPE instead
 * of the problem document). A large or unsized body is cut off by closing the connection after the answer.
 */
export function endRefusedUpload(req: Request, res: Response): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared <= DRAIN_LIMIT_BYTES) req.resume();
  else res.setHeader('Connection', 'close');
}
