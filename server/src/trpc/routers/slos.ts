import { router } from '../init.ts';

/** Service level objectives over hosts or tags: error budgets and burn rates. */
export const slosRouter = router({});
