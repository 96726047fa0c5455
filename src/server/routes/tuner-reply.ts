import type { FastifyReply } from 'fastify';
import { ALL_TUNERS_BUSY_HEADER, type TunerLease, type TunerPool } from '../../livetv/tuner-pool.js';

/**
 * Takes a tuner for a .ts viewer of `channelNumber`, or answers 503 the way a busy HDHomeRun
 * does and returns undefined. Checked before the channel starts, so a refused tune costs nothing.
 */
export function tuneOrRefuse(tuners: TunerPool, channelNumber: number, reply: FastifyReply): TunerLease | undefined {
  const lease = tuners.acquire(channelNumber);
  if (lease) return lease;
  void reply
    .code(503)
    .header(ALL_TUNERS_BUSY_HEADER[0], ALL_TUNERS_BUSY_HEADER[1])
    .header('retry-after', '10')
    .send({
      error: 'tuners_busy',
      message: `all ${tuners.tunerCount} tuner(s) are in use (channels ${tuners.tunedChannels().join(', ')}); stop watching one, or raise hdhr.tuner_count`,
    });
  return undefined;
}
