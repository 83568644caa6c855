import type { Proc } from './process.js';

/** Registered names → processes. A process's name is freed when it dies. */
export const names = new Map<string, Proc>();
