import { router } from '../init.ts';

/** Public status pages: what each shows, under which public names. */
export const statusPagesRouter = router({});
