import type { FastifyReply, FastifyRequest } from 'fastify';

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(ip: string): boolean {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/**
 * Writes that must not come from the network until the API credential exists (the remote
 * control issue brings it): answered 403 with how to allow them, unless the request is from
 * this machine. `request.ip` honours X-Forwarded-For only when `server.trust_proxy` is set.
 */
export function refuseUnlessLocal(request: FastifyRequest, reply: FastifyReply, what: string): boolean {
  if (isLoopback(request.ip)) return false;
  void reply.code(403).send({
    error: 'forbidden',
    message: `${what} can only be sent from the Retrovue machine itself (loopback); run \`retrovue alert\` there, or reach it through an SSH tunnel (${request.ip} is not loopback)`,
  });
  return true;
}
