/**
 * Salesforce metadata files as the Metadata API writes them: an XML declaration, the root in the
 * metadata namespace, four-space indentation, one element per line, repeated elements for lists.
 */

/** An element's content: text, nested elements, or a list of either repeated under one name. */
export type XmlValue = string | number | boolean | XmlElement | XmlValue[];
export type XmlElement = { [name: string]: XmlValue | undefined };

const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function render(name: string, value: XmlValue, depth: number): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => render(name, item, depth));
  const indent = '    '.repeat(depth);
  if (typeof value !== 'object') return [`${indent}<${name}>${escapeXml(String(value))}</${name}>`];
  return [`${indent}<${name}>`, ...children(value, depth + 1), `${indent}</${name}>`];
}

function children(element: XmlElement, depth: number): string[] {
  return Object.entries(element).flatMap(([name, value]) =>
    value === undefined ? [] : render(name, value, depth),
  );
}

/** A `*-meta.xml` file: `root` with `content` in the metadata namespace. */
export function metadataXml(root: string, content: XmlElement): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<${root} xmlns="${METADATA_NAMESPACE}">`,
    ...children(content, 1),
    `</${root}>`,
    '',
  ].join('\n');
}
