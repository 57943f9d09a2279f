import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';
import { bareHost } from './ip.ts';
import { decideAddress, type OutboundPolicy, OutboundRefusedError, type ResolvedAddress } from './policy.ts';

/**
 * Where the policy meets the sockets. A check of the name before connecting is not enough: the
 * name can resolve to a public address for the check and to 127.0.0.1 for the connection (DNS
 * rebinding). So the policy sits in the `lookup` that net and tls call while connecting — the
 * addresses it hands back are the only ones the socket can reach, and it hands back only allowed
 * ones. Literal IP addresses skip `lookup` in Node, so they are judged before connecting.
 */

/** Node's `lookup` callback: one address, or all of them when asked with `all`. */
type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for net.connect / http.request / tls.connect: resolves with the policy's resolver and
 * answers only allowed addresses. When every address is refused, it fails with
 * {@link OutboundRefusedError}, before any connection is opened.
 */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
    policy.resolve(hostname).then(
      (all) => {
        const candidates = wanted === undefined ? all : all.filter((a) => a.family === wanted);
        const outcome = allowedOf(policy, hostname, candidates);
        if (outcome instanceof Error) {
          callback(outcome, '');
          return;
        }
        const [first] = outcome;
        if (options.all) callback(null, outcome);
        else if (first) callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/** The allowed addresses among a lookup's answers, or the reason there are none. */
function allowedOf(
  policy: OutboundPolicy,
  hostname: string,
  answers: ResolvedAddress[],
): ResolvedAddress[] | Error {
  if (answers.length === 0) {
    return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      hostname,
    });
  }
  let refused: OutboundRefusedError | undefined;
  const allowed: ResolvedAddress[] = [];
  for (const answer of answers) {
    const decision = decideAddress(policy, answer.address);
    if (decision.allowed) allowed.push(answer);
    else refused ??= new OutboundRefusedError(hostname, decision.addressClass);
  }
  return allowed.length > 0 ? allowed : (refused as OutboundRefusedError);
}

/** Judges a literal IP host; undefined for a host name (the lookup judges those). */
export function refuseLiteral(policy: OutboundPolicy, host: string): OutboundRefusedError | undefined {
  const bare = bareHost(host);
  if (net.isIP(bare) === 0) return undefined;
  const decision = decideAddress(policy, bare);
  return decision.allowed ? undefined : new OutboundRefusedError(bare, decision.addressClass);
}

/**
 * Configuration-time check of a destination host: a literal address, or a name resolved now.
 * Undefined when allowed — or when the name does not resolve (yet): the delivery-time check in
 * the lookup still applies, and a name that only resolves inside the network later is legitimate.
 * The lookup is bounded, so a slow resolver cannot hold the caller.
 */
export async function checkHost(
  policy: OutboundPolicy,
  host: string,
  timeoutMs = 3000,
): Promise<OutboundRefusedError | undefined> {
  const bare = bareHost(host);
  if (net.isIP(bare) !== 0) return refuseLiteral(policy, bare);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const answers = await Promise.race([policy.resolve(bare).catch(() => undefined), timedOut]);
    if (!answers || answers.length === 0) return undefined;
    const outcome = allowedOf(policy, bare, answers);
    return outcome instanceof OutboundRefusedError ? outcome : undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a plain TCP connection under the policy (for SMTP, where nodemailer takes a socket):
 * resolves through {@link guardedLookup}, fails with {@link OutboundRefusedError} without
 * connecting when the destination is refused, and with ETIMEDOUT after `timeoutMs`.
 */
export function connectGuarded(
  policy: OutboundPolicy,
  target: { host: string; port: number; timeoutMs: number },
): Promise<net.Socket> {
  const refused = refuseLiteral(policy, target.host);
  if (refused) return Promise.reject(refused);
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: bareHost(target.host),
      port: target.port,
      lookup: guardedLookup(policy),
    });
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(target.timeoutMs, () =>
      fail(
        Object.assign(new Error(`connect ETIMEDOUT ${target.host}:${target.port}`), { code: 'ETIMEDOUT' }),
      ),
    );
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.removeListener('error', fail);
      // The caller attaches its own handlers on its next step; until then an error must not
      // become an uncaught exception that ends the process.
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
