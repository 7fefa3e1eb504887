// A picture in the terminal: truecolor half blocks ('▀' with the upper pixel as foreground and the lower one as
// background), so one text row shows two pixel rows. Used for the latent preview in generate's summary.

/** Columns the picture takes at most, and at least when the image is narrower (it is scaled up, nearest neighbour). */
const MAX_COLUMNS = 64;
const MIN_COLUMNS = 32;

/** An interleaved RGB image [H, W, 3] → lines of ANSI-coloured half blocks, each ending in a colour reset. */
export function halfBlockPicture(rgb: Uint8Array, width: number, height: number): string {
  const cols = Math.min(MAX_COLUMNS, Math.max(MIN_COLUMNS, width));
  const rows = Math.max(2, 2 * Math.round((height * cols) / width / 2));
  const at = (y: number, x: number): string => {
    const s = (Math.min(height - 1, Math.floor((y * height) / rows)) * width + Math.min(width - 1, Math.floor((x * width) / cols))) * 3;
    return `${rgb[s]};${rgb[s + 1]};${rgb[s + 2]}`;
  };
  const lines: string[] = [];
  for (let y = 0; y < rows; y += 2) {
    let line = '';
    for (let x = 0; x < cols; x++) line += `\x1b[38;2;${at(y, x)}m\x1b[48;2;${at(y + 1, x)}m▀`;
    lines.push(`${line}\x1b[0m`);
  }
  return `${lines.join('\n')}\n`;
}
