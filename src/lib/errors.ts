/** A malformed input: the one error class parsers throw besides `RangeError` for truncation. */
export class ParseError extends SyntaxError {
  override name = "ParseError";
  /** 1-based line of the offending input, when the format is line-oriented. */
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(
      line === undefined || new RegExp(`\\bline ${line}\\b`).test(message)
        ? message
        : `${message} (line ${line})`,
    );
    this.line = line;
  }
}

/** A request that is well-formed but not acceptable (bad argument, unknown peer, ...). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Message of any thrown value, for one-line reports. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
