/** An IPv4-mapped IPv6 socket address (`::ffff:a.b.c.d`) is the IPv4 address it carries. */
export function unmapIpv4(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
