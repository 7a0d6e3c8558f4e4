/** A host name on this machine: browsers treat it as a secure context, and the local stand-ins run there. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** An IPv4-mapped IPv6 socket address (`::ffff:a.b.c.d`) is the IPv4 address it carries. */
export function unmapIpv4(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
