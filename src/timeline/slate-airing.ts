import type { Airing, AiringProgram } from './types.js';

/**
 * A slot the channel fills with its slate: break padding when no interstitial fits, or a file
 * that vanished after it was scheduled. It has no file: playout draws the slate (a lavfi card)
 * for exactly the slot, however long, so one slot is always one airing.
 */
export function slateAiring(startMs: number, endMs: number, title: string, program?: AiringProgram): Airing {
  return { startMs, endMs, mediaPath: '', inPointMs: 0, outPointMs: endMs - startMs, kind: 'slate', title, ...(program ? { program } : {}) };
}
