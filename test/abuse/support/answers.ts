/** An answer as the abuse specs check it: status, headers, the body as text and as JSON ({} when it is not JSON). */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/** Reads a fetch response whole into an `Answer`. */
export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (HTML, CSV, Prometheus text)
  }
  return { status: res.status, headers: res.headers, text, body };
}
