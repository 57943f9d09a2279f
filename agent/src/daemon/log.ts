/** The daemon's logger: one JSON object per line on stdout (never tokens: callers pass no secrets). */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

export function jsonLineLogger(stream: NodeJS.WritableStream = process.stdout): Log {
  return (event, fields = {}) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
  };
}
