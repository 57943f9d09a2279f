/**
 * The few Web platform globals shared/ may use: each exists in Node 20+ and in every browser
 * (so in the Electron renderer too). shared/tsconfig.json type-checks shared/ with these and
 * without Node's types or the DOM, so anything else global fails to compile there. Only the
 * members shared/ uses are declared; add one here only if both runtimes have it.
 */

interface WebUrl {
  readonly protocol: string;
  readonly hostname: string;
  readonly username: string;
}

declare var URL: {
  new (input: string, base?: string): WebUrl;
  canParse(input: string, base?: string): boolean;
};

declare var TextEncoder: { new (): { encode(input?: string): Uint8Array } };

declare var crypto: {
  readonly subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> };
};
