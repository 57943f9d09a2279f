/** The Redis keys of the scaled ingest pipeline, all under the deployment's prefix. */
export type StreamNames = {
  /** The stream receivers append validated batches to. */
  stream: string;
  /** The consumer group workers read it in. */
  group: string;
  /** Bytes of the entries in the stream (receivers add, workers subtract): the byte backlog. */
  bytes: string;
  /** Hash: stream entry id → why its last attempt failed, for the dead letter it may become. */
  errors: string;
  /** Stream per workspace of batches that failed too often: `${deadPrefix}${workspaceId}`. */
  deadPrefix: string;
  /** Set of the workspaces that have dead letters (for the /metrics gauge). */
  deadIndex: string;
};

export function streamNames(prefix = 'vigilo:'): StreamNames {
  return {
    stream: `${prefix}ingest`,
    group: 'writers',
    bytes: `${prefix}ingest:bytes`,
    errors: `${prefix}ingest:errors`,
    deadPrefix: `${prefix}ingest:dead:`,
    deadIndex: `${prefix}ingest:dead-index`,
  };
}
