/** One entry of `errors` in a validation problem. `loc` is the path to the offending value. */
export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** RFC 9457 problem document. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: ValidationIssue[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
