import type { QrCode } from "./qr.ts";

function isDark(qr: QrCode, x: number, y: number): boolean {
  return qr.modules[y]?.[x] ?? false;
}

/**
 * Render for a terminal with half-block characters, two module rows per text line. By default
 * light modules are drawn as blocks, which reads correctly on a dark terminal background.
 */
export function qrToText(
  qr: QrCode,
  opts: { margin?: number; darkBackground?: boolean } = {},
): string {
  const margin = opts.margin ?? 2;
  const lightInk = opts.darkBackground ?? true;
  const lines: string[] = [];
  const from = -margin, to = qr.size + margin;
  for (let y = from; y < to; y += 2) {
    let s = "";
    for (let x = from; x < to; x++) {
      const top = isDark(qr, x, y) !== lightInk;
      const bottom = y + 1 < to ? isDark(qr, x, y + 1) !== lightInk : false;
      s += top ? (bottom ? "\u2588" : "\u2580") : bottom ? "\u2584" : " ";
    }
    lines.push(s);
  }
  return lines.join("\n") + "\n";
}

/** Render as a standalone SVG element (one path, crisp edges, white quiet zone). */
export function qrToSvg(qr: QrCode, opts: { margin?: number; pixels?: number } = {}): string {
  const margin = opts.margin ?? 4;
  const dim = qr.size + 2 * margin;
  const px = opts.pixels ?? dim * 4;
  let d = "";
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (!isDark(qr, x, y)) continue;
      let w = 1;
      while (isDark(qr, x + w, y)) w++;
      d += `M${x + margin} ${y + margin}h${w}v1h-${w}z`;
      x += w - 1;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${dim} ${dim}" width="${px}" ` +
    `height="${px}" shape-rendering="crispEdges" role="img" aria-label="QR code">` +
    `<rect width="${dim}" height="${dim}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}
