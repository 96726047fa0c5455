/**
 * A number in a URL path (`/api/channels/{n}`), spelled as the OpenAPI document says: digits
 * only. `Number()` alone would also read `0x5a`, `9e1`, `90.0`, ` 90` or `+90` as 90, so one
 * resource would answer under many paths (and a proxy rule written for `/api/channels/90`
 * would not see the others).
 */
export function pathNumber(raw: string): number | undefined {
  return /^\d+$/.test(raw) ? Number(raw) : undefined;
}
