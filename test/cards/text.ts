import type { RenderedChildNode, RenderedElementNode, RenderedRootNode } from '@hubspot/ui-extensions/testing';

type Node = RenderedRootNode | RenderedElementNode | RenderedChildNode;

/** All the text a user reads in a rendered node, its descendants' included (`.text` holds only a node's own). */
export function textOf(node: Node | null | undefined): string {
  if (!node) return '';
  if (node.nodeType === 'text') return node.text;
  return node.childNodes.map((child) => textOf(child)).join('');
}

/** Children are not props in the rendered tree: a button or a tag is found by its text. */
export const withText =
  (text: string) =>
  (node: RenderedElementNode): boolean =>
    textOf(node) === text;
