import type { BridgeEvent, SessionState, SyncState } from '../bridge/contract.ts';
import { workspaceRoleSchema } from '@vigilo/shared/roles';
import { DesktopCore } from './desktop-core.ts';
import { type CoreLog, fileLog, silentLog } from './log.ts';
import {
  beginSignIn,
  completeSignIn,
  type PendingSignIn,
  revokeTokens,
  signInWithBrowser,
  type TokenGetter,
  tokenSource,
} from './session/oidc.ts';
import { fileSettingsStore, type SettingsStore } from './session/settings-store.ts';
import type { StoredTokens, TokenStore } from './session/token-store.ts';
import { classifyFailure } from './sync/failure.ts';
import { connectServer } from './sync/server-api.ts';

export type DesktopAppOptions = {
  /** Folder for replicas and settings (tokens live in `tokens`, which may be elsewhere). */
  dataDir: string;
  serverUrl: string;
  /** The OIDC issuer; default `<serverUrl>/oidc`, the server's built-in provider. */
  issuer?: string;
  tokens: TokenStore;
  settings?: SettingsStore;
  /** A fixed bearer (an API token): no sign-in, no refresh, and only `workspace` can be opened. */
  fixedToken?: string;
  /** The workspace to open when this user opened none before on this device. */
  workspace?: string;
  clock?: () => Date;
  fetch?: typeof globalThis.fetch;
  schedule?: (fn: () => void, ms: number) => () => void;
  pageSize?: number;
  /** Where the app and its cores log; default: the log file of `dataDir` (see log.ts). */
  log?: CoreLog;
};

/** A session action that cannot be done in this state, with a reason code. */
export class SessionError extends Error {
  readonly reason: 'fixed' | 'signed_out' | 'not_member';
  constructor(reason: SessionError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SessionError';
    this.reason = reason;
  }
}

type Workspace = SessionState['workspaces'][number];

/**
 * The signed-in app around the per-workspace cores: it owns the tokens, the one open
 * {@link DesktopCore}, the list of the user's workspaces, switching between them and signing out.
 * Listeners see the open core's events across switches, plus a `session` event whenever who is
 * signed in or which workspace is open changes. Session changes run one at a time, so a switch
 * never races a sign-out. Plain Node, like the core: Electron main and the host both wrap it.
 */
export class DesktopApp {
  readonly serverUrl: string;
  readonly issuer: string;
  readonly #o: DesktopAppOptions;
  readonly #settings: SettingsStore;
  readonly #token: TokenGetter;
  readonly #listeners = new Set<(e: BridgeEvent) => void>();
  readonly #log: CoreLog;
  /** True when this app opened its log (and closes it). */
  readonly #ownsLog: boolean;
  readonly #clock = (): Date => (this.#o.clock ?? (() => new Date()))();
  #core: DesktopCore | undefined;
  #currentSlug: string | undefined;
  #offCore: (() => void) | undefined;
  /** True for {@link DesktopApp.forCore}: the core is borrowed, never closed or replaced here. */
  #fixedCore = false;
  #workspaces: Workspace[] = [];
  #error: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: DesktopAppOptions) {
    this.#o = opts;
    this.serverUrl = opts.serverUrl.replace(/\/+$/, '');
    this.issuer = opts.issuer ?? `${this.serverUrl}/oidc`;
    this.#settings = opts.settings ?? fileSettingsStore(opts.dataDir);
    this.#ownsLog = !opts.log;
    this.#log = opts.log ?? (opts.dataDir ? fileLog(opts.dataDir) : silentLog());
    const fixed = opts.fixedToken;
    this.#token = fixed
      ? () => Promise.resolve(fixed)
      : tokenSource(opts.tokens, { ...(opts.fetch ? { fetch: opts.fetch } : {}), clock: this.#clock });
  }

  /**
   * An app around one core someone else made and owns (tests and tools with a fixed token): it
   * serves the bridge for that workspace only; nothing to sign in to, switch or sign out of.
   */
  static forCore(core: DesktopCore): DesktopApp {
    // Inert options: with a borrowed core nothing here reads the network, tokens or settings.
    const app = new DesktopApp({
      dataDir: '',
      serverUrl: 'http://borrowed.invalid',
      tokens: { load: () => undefined, save: () => undefined, clear: () => undefined },
      settings: { load: () => ({ lastWorkspace: {} }), update: () => undefined },
      fixedToken: 'borrowed',
    });
    app.#core = core;
    app.#offCore = core.subscribe((e) => app.#emit(e));
    app.#fixedCore = true;
    return app;
  }

  /** The open workspace's core, or undefined while signed out or with no workspace open. */
  get core(): DesktopCore | undefined {
    return this.#core;
  }

  session(): SessionState {
    const signedIn = this.#fixedCore || Boolean(this.#o.fixedToken) || Boolean(this.#o.tokens.load());
    const ws = this.#core?.engine.state().workspace;
    const listed = this.#workspaces.length ? this.#workspaces : ws ? [ws] : [];
    return {
      signedIn,
      user: this.#o.fixedToken ? undefined : this.#o.tokens.load()?.user,
      workspaces: listed,
      current: this.#core ? (this.#currentSlug ?? ws?.slug) : undefined,
      canSwitch: !this.#fixedCore && !this.#o.fixedToken,
      error: this.#error,
    };
  }

  /** The open core's sync state, or a placeholder saying why nothing is open. */
  syncState(): SyncState {
    if (this.#core) return this.#core.engine.state();
    const signedIn = this.session().signedIn;
    return {
      connection: signedIn ? 'offline' : 'signed_out',
      workspace: undefined,
      outboxDepth: 0,
      lastSyncAt: undefined,
      lastError: signedIn ? 'no workspace is open' : 'sign in to Vigilo',
      failure: undefined,
      conflicts: [],
      auditCount: 0,
      dev: false,
      at: performance.timeOrigin + performance.now(),
    };
  }

  /** Listens to the open core's events and to session changes. Returns the unsubscribe. */
  subscribe(listener: (e: BridgeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Opens what the last run had open, at once and without the network (offline-first), then
   * fetches the list of workspaces; with nothing remembered, opens the first one the user has.
   */
  start(): Promise<SessionState> {
    return this.#serial(async () => {
      if (this.#fixedCore || !this.session().signedIn) return;
      const remembered = this.#remembered();
      if (remembered) this.#open(remembered);
      const listed = await this.#refreshList();
      // Removed from the remembered workspace meanwhile: its replica must not stay open. (Offline,
      // the list is unknown and the replica stays: the server refuses a removed member anyway.)
      if (listed && this.#core && !this.#workspaces.some((w) => w.slug === this.#currentSlug)) {
        await this.#closeCore();
      }
      if (!this.#core) this.#openFirst();
    });
  }

  /** Keeps freshly obtained tokens and opens a workspace of that user (the list decides which). */
  signedIn(tokens: StoredTokens): Promise<SessionState> {
    return this.#serial(async () => {
      this.#refuseWhenFixed();
      await this.#closeCore();
      this.#o.tokens.save(tokens);
      this.#workspaces = [];
      await this.#refreshList();
      // A different person may have signed in: open only what this user is a member of.
      const remembered = this.#remembered();
      if (remembered && this.#workspaces.some((w) => w.slug === remembered)) this.#open(remembered);
      else this.#openFirst();
    });
  }

  /** Sign-in in the system browser with a loopback redirect (Electron). */
  async signInWithBrowser(openBrowser: (url: string) => void | Promise<void>): Promise<SessionState> {
    this.#refuseWhenFixed();
    try {
      const tokens = await signInWithBrowser({
        ...this.#http(),
        issuer: this.issuer,
        serverUrl: this.serverUrl,
        openBrowser,
      });
      return await this.signedIn(tokens);
    } catch (err) {
      this.#error = (err as Error).message;
      this.#emitSession();
      throw err;
    }
  }

  /** Starts a sign-in whose redirect someone else receives (the host's /callback route). */
  beginSignIn(redirectUri: string): Promise<PendingSignIn> {
    this.#refuseWhenFixed();
    return beginSignIn({ ...this.#http(), issuer: this.issuer, serverUrl: this.serverUrl, redirectUri });
  }

  /** Finishes a {@link beginSignIn} with the provider's answer; nothing is kept if it fails. */
  async completeSignIn(pending: PendingSignIn, callback: URL): Promise<SessionState> {
    const tokens = await completeSignIn(pending, callback, this.#http());
    this.#error = undefined;
    return this.signedIn(tokens);
  }

  /** Closes the open workspace and opens another of the user's (its replica is kept for later). */
  switchWorkspace(workspace: string): Promise<SessionState> {
    return this.#serial(async () => {
      this.#refuseWhenFixed();
      if (!this.session().signedIn) throw new SessionError('signed_out', 'sign in first');
      if (!this.#workspaces.some((w) => w.slug === workspace || w.id === workspace))
        await this.#refreshList();
      const found = this.#workspaces.find((w) => w.slug === workspace || w.id === workspace);
      if (!found) throw new SessionError('not_member', `you are not a member of the workspace ${workspace}`);
      if (this.session().current === found.slug) return;
      await this.#closeCore();
      this.#open(found.slug);
    });
  }

  /**
   * Forgets the tokens (and asks the provider to revoke the refresh token) and closes the open
   * workspace. Replicas stay on disk: signing in again opens them at once.
   */
  signOut(): Promise<SessionState> {
    return this.#serial(async () => {
      this.#refuseWhenFixed();
      const tokens = this.#o.tokens.load();
      this.#o.tokens.clear();
      await this.#closeCore();
      this.#workspaces = [];
      this.#error = undefined;
      if (tokens) await revokeTokens(tokens, this.#http());
    });
  }

  /** Closes the open core (when this app opened it). */
  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    if (this.#fixedCore) this.#offCore?.();
    else await this.#closeCore();
    if (this.#ownsLog) this.#log.close();
  }

  #open(slug: string): void {
    const o = this.#o;
    const tokens = o.tokens.load();
    const core = new DesktopCore({
      dataDir: o.dataDir,
      serverUrl: this.serverUrl,
      workspace: slug,
      log: this.#log,
      token: this.#token,
      clock: this.#clock,
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.schedule ? { schedule: o.schedule } : {}),
      ...(o.pageSize ? { pageSize: o.pageSize } : {}),
      // Signed in to the server's own provider: the single-machine, development setup.
      dev: !o.fixedToken && tokens?.issuer === `${this.serverUrl}/oidc`,
      ...(o.fixedToken ? {} : { person: this.#person() }),
    });
    this.#core = core;
    this.#currentSlug = slug;
    this.#offCore = core.subscribe((e) => this.#emit(e));
    if (!o.fixedToken)
      this.#settings.update((s) => ({
        ...s,
        lastWorkspace: { ...s.lastWorkspace, [this.#userKey()]: slug },
      }));
    core.engine.start();
    this.#emit({ type: 'state', state: core.engine.state() });
  }

  #openFirst(): void {
    const preferred = this.#o.workspace;
    const pick =
      this.#workspaces.find((w) => w.slug === preferred || w.id === preferred) ?? this.#workspaces[0];
    if (pick) this.#open(pick.slug);
    else if (this.#o.fixedToken && preferred) this.#open(preferred);
  }

  async #closeCore(): Promise<void> {
    const core = this.#core;
    this.#offCore?.();
    this.#offCore = undefined;
    this.#core = undefined;
    this.#currentSlug = undefined;
    await core?.close();
  }

  /** Asks the server which workspaces the user belongs to; offline, keeps the last list. */
  /** Fetches the user's workspaces; true when the server answered (the list is current). */
  async #refreshList(): Promise<boolean> {
    if (this.#o.fixedToken) return false; // an API token belongs to one workspace and cannot list
    const conn = connectServer({
      url: this.serverUrl,
      token: this.#token,
      ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}),
    });
    try {
      const mine = await conn.api.workspace.mine.query();
      // Checked at the boundary: a role this desktop does not know is a bug, not a membership.
      this.#workspaces = mine.map((w) => ({
        id: w.id,
        slug: w.slug,
        name: w.name,
        role: workspaceRoleSchema.parse(w.role),
      }));
      this.#error = this.#workspaces.length ? undefined : 'you are not a member of any workspace yet';
      return true;
    } catch (err) {
      const failure = classifyFailure(err);
      this.#error = `could not list your workspaces: ${failure.message}`;
      if (failure.kind === 'bug')
        this.#log.logger.error({ err }, `listing workspaces failed on a bug: ${failure.message}`);
      return false;
    } finally {
      await conn.close();
    }
  }

  /** The workspace this user had open last on this device for this server. */
  #remembered(): string | undefined {
    if (this.#o.fixedToken) return this.#o.workspace;
    return this.#settings.load().lastWorkspace[this.#userKey()];
  }

  /** Remembered choices are per server and per person, so one user never lands in another's. */
  #userKey(): string {
    return `${this.serverUrl} ${this.#person()}`;
  }

  /**
   * The signed-in person, for naming their replicas and choices on this device: the provider's
   * subject (stable, unlike an email), else what the tokens show.
   */
  #person(): string {
    const tokens = this.#o.tokens.load();
    const user = tokens?.user;
    if (tokens && user?.sub) return `${tokens.issuer}#${user.sub}`;
    return user?.email ?? user?.name ?? '';
  }

  #refuseWhenFixed(): void {
    if (this.#fixedCore || this.#o.fixedToken)
      throw new SessionError('fixed', 'this app was started with a fixed workspace and credential');
  }

  #serial(fn: () => Promise<void>): Promise<SessionState> {
    const run = this.#queue.catch(() => undefined).then(fn);
    this.#queue = run;
    return run.then(
      () => {
        this.#emitSession();
        return this.session();
      },
      (err: unknown) => {
        this.#emitSession();
        throw err;
      },
    );
  }

  #http() {
    return { ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}), clock: this.#clock };
  }

  #emitSession(): void {
    this.#emit({ type: 'session', session: this.session() });
    this.#emit({ type: 'state', state: this.syncState() });
  }

  #emit(e: BridgeEvent): void {
    for (const l of this.#listeners) l(e);
  }
}
