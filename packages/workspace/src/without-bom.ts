/** Text without the byte-order mark some editors write first (pnpm reads past it too). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
