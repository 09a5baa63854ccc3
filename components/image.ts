/** Facts read from an image reference. Pure. */

/**
 * The PostgreSQL major version an image tag names: `postgres:17`,
 * `postgres:17.2-bookworm` and `registry/pg:17-offline` all give 17. A digest
 * or a tag without a leading number (`latest`) says nothing: null.
 */
export function majorVersionFromImage(image: string): number | null {
  if (image.includes("@")) return null;
  const slash = image.lastIndexOf("/");
  const colon = image.indexOf(":", slash + 1);
  if (colon < 0) return null;
  const match = /^([0-9]+)(?:$|[.\-_])/.exec(image.slice(colon + 1));
  return match ? Number(match[1]) : null;
}
