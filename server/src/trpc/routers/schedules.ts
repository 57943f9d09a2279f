import { router } from '../init.ts';

/** On-call schedules: rotations in layers, overrides, who is on call. */
export const schedulesRouter = router({});
