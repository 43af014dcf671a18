/**
 * A request whose answer is lost on the way back: the handler runs and its change stands, but the
 * caller receives what a gateway sends when the server behind it did not answer in time. This is
 * what a 504 or a reset after the commit looks like to a client, so it is the case a client's
 * retry of a create must survive without writing twice.
 */
import type { Response } from 'express';

type End = Response['end'];
type Write = Response['write'];

/**
 * Lets the handler answer as usual, then throws its answer away (status, headers and body) and
 * sends `instead` in its place.
 */
export function loseAnswer(res: Response, instead: (res: Response) => void): void {
  const end = res.end.bind(res) as End;
  const write = res.write.bind(res) as Write;
  res.write = (() => true) as unknown as Write;
  res.end = ((): Response => {
    res.end = end;
    res.write = write;
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    instead(res);
    return res;
  }) as unknown as End;
}
