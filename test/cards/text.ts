/** A rendered node as far as its text goes: a text node, or a node with children. */
interface TextBearing {
  nodeType: string;
  text: string | null;
  childNodes?: readonly TextBearing[];
}

/** All the text a user reads in a rendered node, its descendants' included (`.text` holds only a node's own). */
export function textOf(node: TextBearing | null | undefined): string {
  if (!node) return '';
  if (!node.childNodes) return node.text ?? '';
  return node.childNodes.map((child) => textOf(child)).join('');
}

/** Children are not props in the rendered tree: a button or a tag is found by its text. */
export const withText =
  (text: string) =>
  (node: TextBearing): boolean =>
    textOf(node) === text;
