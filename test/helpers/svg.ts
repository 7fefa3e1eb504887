// Reading the plots' SVG in tests: a strict XML parse, and the items of Vega's marks by kind and panel.
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

/** Parses SVG text; malformed XML throws. */
export function parseSvg(text: string): Document {
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`SVG ${level}: ${message}`);
    },
  });
  return parser.parseFromString(text, 'image/svg+xml');
}

const classes = (e: Element): string[] => (e.getAttribute('class') ?? '').split(/\s+/);

/**
 * The drawn items of a data mark, by Vega's mark container class: `mark-symbol` (points), `mark-text` (labels), …;
 * `name` narrows to one Vega-Lite mark name (e.g. "concat_0_layer_3_marks", one panel's points).
 */
export function markItems(doc: Document, kind: string, name?: string): Element[] {
  const groups = Array.from(doc.getElementsByTagName('g')).filter((g) => {
    const c = classes(g);
    return c.includes(kind) && c.includes('role-mark') && (name === undefined || c.includes(name));
  });
  return groups.flatMap((g) => Array.from(g.childNodes).filter((n): n is Element => n.nodeType === 1));
}

/** Mark container names of one kind in document order (one per panel and layer). */
export function markNames(doc: Document, kind: string): string[] {
  return Array.from(doc.getElementsByTagName('g'))
    .map(classes)
    .filter((c) => c.includes(kind) && c.includes('role-mark'))
    .map((c) => c[c.length - 1]);
}

/** The translate(x, y) of an item's transform attribute. */
export function translation(e: Element): { x: number; y: number } {
  const m = /translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(e.getAttribute('transform') ?? '');
  if (m === null) throw new Error(`no translate() on <${e.tagName}>`);
  return { x: Number(m[1]), y: Number(m[2]) };
}
